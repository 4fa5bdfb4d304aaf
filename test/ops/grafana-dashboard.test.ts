/**
 * ops/grafana/regent.json against the real thing: a real regent (`node src/main.ts` on the built
 * bundle, with authentication on) takes decisions, a real Prometheus scrapes it every second
 * with the metrics token and evaluates ops/prometheus/regent-rules.yml, and every panel query of
 * the dashboard must return data through Prometheus' HTTP API.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLifecycleMetrics } from '../../src/observability/lifecycle-metrics.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { freePort } from '../support/opa-server.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';
import { makeToken, tokensFileText } from '../support/secure-regent.ts';

const DASHBOARD = path.join(REPO_ROOT, 'ops/grafana/regent.json');
const RECORDING_RULES = path.join(REPO_ROOT, 'ops/prometheus/regent-rules.yml');
/** What Grafana would put in for the dashboard's variables. */
const VARIABLES: Record<string, string> = { job: 'regent', instance: '.*', __rate_interval: '20s' };

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every query of the dashboard, with the panel it belongs to. */
async function dashboardQueries(): Promise<{ panel: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const flat = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return flat.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

function substitute(expr: string): string {
  return expr.replace(/\$(\w+)/g, (whole, name: string) => VARIABLES[name] ?? whole);
}

/** The same decisions as the README's first requests, plus free text with an e-mail address. */
const DECISIONS = [
  {
    agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', groups: ['hr'], clearance: 'restricted' } },
    action: {
      tool: 'workday.read_employee',
      kind: 'read',
      resource: { system: 'workday', id: 'emp-42', labels: ['pii', 'compensation'], classification: 'restricted' },
    },
    session: { id: 'sess-ops' },
  },
  {
    agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', groups: ['hr'], clearance: 'restricted' } },
    action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
    data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
    payload: { text: 'Compensation summary, questions to bob@example.com' },
    session: { id: 'sess-ops' },
  },
  {
    agent: { id: 'hr-assistant' },
    action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
    data_flow: {
      sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'internal' }],
      destination: { system: 'slack', audience: 'all_employees' },
    },
    payload: { employees: [{ name: 'Bob', title: 'Engineer', salary: 180000 }] },
  },
];

describe('ops/grafana/regent.json', () => {
  const caller = makeToken('ops-test', ['decide', 'metrics']);
  let work: string;
  let regent: RegentProcess;
  let prometheus: ChildProcess;
  let promUrl: string;
  let promLog = '';

  before(async () => {
    const version = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
    assert.equal(version.error, undefined, `prometheus must be installed: ${String(version.error)}`);
    work = await mkdtemp(path.join(tmpdir(), 'regent-ops-'));
    await writeFile(path.join(work, 'tokens.json'), tokensFileText([caller]));
    await writeFile(path.join(work, 'metrics-token'), caller.token);
    regent = await startRegentProcess({
      REGENT_TOKENS_FILE: path.join(work, 'tokens.json'),
      REGENT_AUDIT_PATH: path.join(work, 'trail.jsonl'),
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '1',
    });
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    await writeFile(
      path.join(work, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [RECORDING_RULES],
        scrape_configs: [
          {
            job_name: 'regent',
            authorization: { type: 'Bearer', credentials_file: path.join(work, 'metrics-token') },
            static_configs: [{ targets: [new URL(regent.url).host] }],
          },
        ],
      }),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${path.join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(work, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (c: Buffer) => (promLog += c.toString('utf8')));
    prometheus.stderr?.on('data', (c: Buffer) => (promLog += c.toString('utf8')));
  });

  after(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await regent?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  async function decide(token: string, body: unknown): Promise<number> {
    const res = await fetch(`${regent.url}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  }

  async function query(expr: string): Promise<{ status: string; data?: { result: unknown[] }; error?: string }> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
  }

  it('names only metrics regent exposes and rules regent-rules.yml records', async () => {
    const metrics = createMetrics();
    createLifecycleMetrics(metrics.registry);
    const exposed = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const recorded = await readFile(RECORDING_RULES, 'utf8');
    for (const { panel, expr } of await dashboardQueries()) {
      for (const name of expr.match(/\b(regent|process|nodejs)_[a-z0-9_]+/g) ?? []) {
        assert.ok(exposed.has(name.replace(/_(bucket|count|sum)$/, '')), `${panel}: ${name} is not exposed`);
      }
      for (const rule of expr.match(/\bregent:[a-z0-9_:]+/g) ?? []) {
        assert.ok(recorded.includes(`record: ${rule}\n`), `${panel}: ${rule} is not recorded`);
      }
    }
  });

  it('returns data for every panel query from Prometheus scraping a live regent', { timeout: 90_000 }, async () => {
    const queries = await dashboardQueries();
    assert.ok(queries.length >= 15, `only ${queries.length} queries`);
    // Traffic keeps flowing while Prometheus scrapes, so rates over two samples are non-zero.
    assert.equal(await decide(caller.token, DECISIONS[0]), 200);
    assert.equal(await decide('not-a-token', DECISIONS[0]), 401);
    const deadline = Date.now() + 60_000;
    let missing: string[] = [];
    let round = 0;
    while (Date.now() < deadline) {
      await decide(caller.token, DECISIONS[round % DECISIONS.length]);
      if (round % 4 === 0) await decide('not-a-token', DECISIONS[0]);
      round += 1;
      missing = [];
      for (const { panel, expr } of queries) {
        const answer = await query(substitute(expr));
        assert.equal(answer.status, 'success', `${panel}: ${expr}: ${answer.error ?? ''}`);
        if ((answer.data?.result.length ?? 0) === 0) missing.push(`${panel}: ${expr}`);
      }
      if (missing.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.deepEqual(missing, [], `queries without data after ${round} rounds; prometheus log:\n${promLog}`);
  });
});
