/**
 * Replay: decisions recorded by a real regent (with REGENT_DECISION_LOG_INPUTS) are replayed by
 * `regent replay` against candidate bundles built by the real toolchain, and the table
 * says what would change. The records carry the policy input without payload values.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ReplayReport } from '../../src/policy/replay.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { faultBundle, regoBundle } from '../support/bundles.ts';
import { startRegent } from '../support/regent-server.ts';

const run = promisify(execFile);

async function replay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'src/cli/main.ts'), 'replay', ...args],
      {
        cwd: REPO_ROOT,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('decision replay against a candidate bundle', () => {
  let dir: string;
  let log: string;
  let rego: string;
  let undefinedPolicy: string;
  const ids: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-replay-'));
    log = path.join(dir, 'decisions.jsonl');
    rego = (await regoBundle()).file;
    undefinedPolicy = (await faultBundle('undefined')).file;
    const server = await startRegent({ bundlePath: rego, decisionLogInputs: true, evalWorkers: 0 });
    try {
      for (const kind of ['allow', 'deny', 'redact'] as const) {
        const res = await server.post('/v1/decisions', EXAMPLES[kind]);
        assert.equal(res.body.decision, kind);
        ids[kind] = res.body.decision_id;
      }
      const lines = server.logs().trimEnd().split('\n');
      // A record from before inputs were logged, and a line that is not JSON at all.
      lines.push(
        JSON.stringify({ message: 'decision', decision_id: 'no-input', decision: 'allow', reason_codes: [] }),
        'not json',
      );
      await writeFile(log, lines.join('\n') + '\n');
    } finally {
      await server.close();
    }
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('records the policy input without the payload, and no payload value', async () => {
    const text = await readFile(log, 'utf8');
    const decisions = text
      .split('\n')
      .filter((l) => l.includes('"message":"decision"') && !l.includes('no-input'))
      .map((l) => JSON.parse(l) as { input: Record<string, unknown> });
    assert.equal(decisions.length, 3);
    for (const d of decisions) {
      assert.ok(d.input !== undefined && typeof d.input === 'object');
      assert.ok(!('payload' in d.input), 'payload must be removed');
      assert.ok('detected' in d.input && 'agent' in d.input && 'action' in d.input);
    }
    for (const value of ['180000', '170000', '1 Main St']) assert.ok(!text.includes(value), `log leaks ${value}`);
  });

  it('counts outcome pairs and lists the first changed decisions (JSON)', async () => {
    const res = await replay(['--log', log, '--bundle', undefinedPolicy, '--baseline', rego, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    assert.equal(report.replayed, 3);
    assert.equal(report.withoutInput, 1);
    assert.equal(report.unreadable, 1);
    // The redact decision needed its payload to find the labelled fields; replayed without it,
    // both bundles deny, so only the allow changes.
    assert.equal(report.pairs['allow->deny'], 1);
    assert.equal(report.pairs['deny->deny'], 2);
    assert.equal(report.changed, 1);
    assert.deepEqual(
      report.firstChanged.map((c: { decision_id: string }) => c.decision_id),
      [ids['allow']],
    );
    assert.deepEqual(report.firstChanged[0].candidate, { decision: 'deny', reason_codes: ['policy.undefined_result'] });
  });

  it('prints a table of outcome pairs for a person', async () => {
    const res = await replay(['--log', log, '--bundle', undefinedPolicy, '--baseline', rego, '--limit', '1']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /baseline \\ candidate\s+allow\s+deny\s+redact\s+escalate/);
    assert.match(res.stdout, /^allow\s+0\s+1\s+0\s+0$/m);
    assert.match(res.stdout, /^deny\s+0\s+2\s+0\s+0$/m);
    assert.match(res.stdout, /1 decisions would change outcome/);
    assert.match(res.stdout, new RegExp(`first 1 changed:\\n  ${ids['allow']}  allow -> deny`));
  });

  it('without --baseline compares with the recorded decisions, where a payload-dependent redact shows as changed', async () => {
    const res = await replay(['--log', log, '--bundle', rego, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    assert.equal(report.baseline, 'recorded');
    assert.equal(report.pairs['allow->allow'], 1);
    assert.equal(report.pairs['deny->deny'], 1);
    assert.equal(report.pairs['redact->deny'], 1);
    assert.deepEqual(report.firstChanged[0].decision_id, ids['redact']);
  });

  it('finds no change when the candidate is the baseline', async () => {
    const res = await replay(['--log', log, '--bundle', rego, '--baseline', rego, '--json', '--fail-on-change']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout) as ReplayReport;
    assert.equal(report.changed, 0);
    const diagonal = ['allow->allow', 'deny->deny', 'redact->redact'].map((p) => report.pairs[p] ?? 0);
    assert.equal(
      diagonal.reduce((a, b) => a + b, 0),
      3,
    );
  });

  it('exits 1 with --fail-on-change when something would change, and 2 on bad arguments', async () => {
    assert.equal((await replay(['--log', log, '--bundle', undefinedPolicy, '--fail-on-change'])).code, 1);
    const bad = await replay(['--log', log]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage/);
  });
});
