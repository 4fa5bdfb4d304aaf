/**
 * `regent draft --from decision-log | otel` on real files: a real regent (the shipped rego/ with
 * sales-assistant in observe mode) decides the same traffic twice, once logging inputs and once
 * not, writing its audit trail, its own decision log and OPA decision-log events (uploaded to a
 * real receiver). Drafts from each log must grant what the trail's draft grants and nothing
 * broader, a log without inputs must draft less (tools only) and say so, and OPA events without
 * inputs must be refused. An OTLP JSON fixture (GenAI semantic conventions v1.38.0) drafts only
 * the tools its execute_tool spans show, marked unverified. Every diff passes the configuration
 * check; a malformed or unknown source exits 2 and writes nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { checkDraft } from '../../src/draft/check.ts';
import { readJsonValues, SourceFileError } from '../../src/draft/json-file.ts';
import { applyMergePatch, type Json } from '../../src/draft/merge-patch.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { buildBundle } from '../../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const run = promisify(execFile);
const TRACES = path.join(REPO_ROOT, 'test/fixtures/draft/genai-traces.otlp.json');

interface Report {
  source: {
    from: string;
    forms: Record<string, number>;
    skipped: Record<string, number>;
    cannot_show: string[];
    unverified: boolean;
  };
  agents: {
    agent: string;
    tools: { tool: string; kinds: string[]; evidence: { decision_ids: string[]; sources: string[] } }[];
    flows: { system: string; id: string | null; audience: string | null; labels_complete: boolean }[];
    resources_read: Record<string, unknown>;
    principals: Record<string, unknown>;
    denied: { tool: string }[];
    observe_mode_overrides: { tool: string; would_have_been: string }[];
    unused: { kind: string; name: string }[];
    not_granted: string[];
    limits: string[];
    ceilings: { restricted_reads_ceiling: number | null };
  }[];
  notes: string[];
}

interface Drafted {
  stdout: string;
  fragment: Record<string, any>;
  diff: Json;
  report: Report;
}

/** A copy of rego/ with sales-assistant in observe mode, and its bundle. */
async function observedRego(dir: string): Promise<{ rego: string; config: string; bundle: string }> {
  const rego = path.join(dir, 'rego');
  await cp(path.join(REPO_ROOT, 'rego'), rego, { recursive: true });
  const config = path.join(rego, 'regent/config/data.json');
  const data = JSON.parse(await readFile(config, 'utf8')) as { agents: Record<string, Record<string, unknown>> };
  (data.agents['sales-assistant'] as Record<string, unknown>)['mode'] = 'observe';
  await writeFile(config, JSON.stringify(data, null, 2));
  const bundle = path.join(dir, 'observed.tar.gz');
  await buildBundle({ sourceDir: rego, outFile: bundle, capabilities: await buildCapabilities(opaBinary()) });
  return { rego, config, bundle };
}

/** One regent run: its trail, decision log and uploaded OPA events, and the ids it answered. */
interface Run {
  server: TestServer;
  receiver: Receiver;
  ids: Record<string, string>;
  since: string;
}

const hr = { id: 'hr-assistant', on_behalf_of: { id: 'alice' } };

/** The same traffic for every run: enforced and observed agents, allows, denials, a result check. */
async function play(server: TestServer): Promise<{ ids: Record<string, string>; since: string }> {
  const ids: Record<string, string> = {};
  const decide = async (name: string, route: string, body: unknown, want: string) => {
    const res = await server.post(route, body);
    assert.equal(res.body.decision, want, `${name}: ${res.text}`);
    ids[name] = res.body.decision_id as string;
  };
  // Before the period: a mail nothing in the period repeats.
  await decide(
    'early-mail',
    '/v1/decisions',
    {
      agent: hr,
      action: { tool: 'email.send', kind: 'send' },
      data_flow: { destination: { system: 'email', recipients: [{ id: 'bob@example.com' }] } },
    },
    'allow',
  );
  await new Promise((r) => setTimeout(r, 30));
  const since = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 30));
  const read = {
    agent: hr,
    session: { id: 's1' },
    action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
  };
  await decide('read-employee', '/v1/decisions', read, 'allow');
  await decide(
    'read-result',
    '/v1/results',
    { ...read, decision_id: ids['read-employee'], result: { employee: 'emp-42', title: 'Engineer' } },
    'allow',
  );
  await decide(
    'comp-to-team',
    '/v1/decisions',
    {
      agent: hr,
      session: { id: 's1' },
      action: { tool: 'slack.post_message', kind: 'send' },
      data_flow: { destination: { system: 'slack', id: '#hr-team' } },
    },
    'deny',
  );
  await decide(
    'post-leads',
    '/v1/decisions',
    {
      agent: hr,
      session: { id: 's2' },
      action: { tool: 'slack.post_message', kind: 'send' },
      data_flow: { destination: { system: 'slack', id: '#hr-leads' } },
    },
    'allow',
  );
  await decide(
    'secret',
    '/v1/decisions',
    { agent: hr, action: { tool: 'vault.write_secret', kind: 'write', resource: { system: 'vault', id: 'db' } } },
    'deny',
  );
  await decide(
    'read-account',
    '/v1/decisions',
    {
      agent: { id: 'sales-assistant' },
      action: { tool: 'salesforce.read_account', kind: 'read', resource: { system: 'salesforce', id: 'acct-1' } },
    },
    'allow',
  );
  // Observe mode: answered allow, recorded with the deny it would have had.
  await decide(
    'observed-secret',
    '/v1/decisions',
    {
      agent: { id: 'sales-assistant' },
      action: { tool: 'vault.write_secret', kind: 'write', resource: { system: 'vault', id: 'k' } },
    },
    'allow',
  );
  return { ids, since };
}

/** Decisions `play` asks for (results included). */
const DECISIONS = 8;

async function startRun(bundle: string, logInputs: boolean, format: 'regent' | 'opa' = 'regent'): Promise<Run> {
  const receiver = await startReceiver();
  const server = await startRegent({
    bundlePath: bundle,
    decisionLog: true,
    decisionLogFormat: format,
    decisionLogInputs: logInputs,
    decisionLogUrl: `${receiver.url}/`,
    decisionLogUploadIntervalMs: 50,
  });
  const { ids, since } = await play(server);
  await receiver.until((r) => r.flatMap((x) => x.json as unknown[]).length >= DECISIONS);
  return { server, receiver, ids, since };
}

/** Runs `regent draft` with `args`; resolves with its files, or rejects with the exit code. */
async function draft(dir: string, name: string, args: string[]): Promise<Drafted> {
  const out = path.join(dir, `${name}.draft.json`);
  const diff = path.join(dir, `${name}.diff.json`);
  const report = path.join(dir, `${name}.report.json`);
  const { stdout } = await run(process.execPath, [
    path.join(REPO_ROOT, 'src/cli/main.ts'),
    'draft',
    ...args,
    '--out',
    out,
    '--diff',
    diff,
    '--report',
    report,
  ]);
  return {
    stdout,
    fragment: JSON.parse(await readFile(out, 'utf8')),
    diff: JSON.parse(await readFile(diff, 'utf8')),
    report: JSON.parse(await readFile(report, 'utf8')),
  };
}

/** Runs `regent draft` expecting a failure; resolves with its exit code and stderr. */
async function draftFails(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [path.join(REPO_ROOT, 'src/cli/main.ts'), 'draft', ...args]);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  assert.fail(`regent draft ${args.join(' ')} succeeded`);
}

const exists = async (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

const agentOf = (d: Drafted, id: string) => {
  const a = d.report.agents.find((x) => x.agent === id);
  assert.ok(a, `${id} in the report`);
  return a;
};

describe('regent draft from other sources', () => {
  let dir: string;
  let rego: { rego: string; config: string; bundle: string };
  let withInputs: Run;
  let withoutInputs: Run;
  let opaConsole: Run;
  const files: Record<string, string> = {};
  let trailDraft: Drafted;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-draft-sources-'));
    rego = await observedRego(dir);
    withInputs = await startRun(rego.bundle, true);
    withoutInputs = await startRun(rego.bundle, false);
    // REGENT_DECISION_LOG_FORMAT=opa: OPA's console shape on stdout, beside regent's other log lines.
    opaConsole = await startRun(rego.bundle, true, 'opa');
    files['console-opa'] = path.join(dir, 'console-opa.jsonl');
    await writeFile(files['console-opa'], opaConsole.server.logs());
    for (const [name, r] of [
      ['inputs', withInputs],
      ['bare', withoutInputs],
    ] as const) {
      files[`${name}-regent`] = path.join(dir, `${name}-regent.jsonl`);
      await writeFile(files[`${name}-regent`] as string, r.server.logs());
      // The uploads as a decision-log service stores them: one gunzipped JSON array per line.
      files[`${name}-opa`] = path.join(dir, `${name}-opa.jsonl`);
      await writeFile(
        files[`${name}-opa`] as string,
        r.receiver.received.map((u) => JSON.stringify(u.json)).join('\n') + '\n',
      );
    }
    trailDraft = await draft(dir, 'trail', [
      '--trail',
      withInputs.server.regent.config.auditPath,
      '--since',
      withInputs.since,
      '--config',
      rego.config,
    ]);
  });
  after(async () => {
    for (const r of [withInputs, withoutInputs, opaConsole]) {
      await r?.server.close();
      await r?.receiver.close();
    }
  });

  const passesCheck = async (d: Drafted, name: string) => {
    const merged = applyMergePatch(JSON.parse(await readFile(rego.config, 'utf8')) as Json, d.diff);
    const check = await checkDraft(rego.rego, merged, path.join(dir, `${name}.tar.gz`));
    assert.deepEqual(check.problems, []);
  };

  describe('--from decision-log, regent format with inputs', () => {
    let d: Drafted;
    before(async () => {
      d = await draft(dir, 'regent-inputs', [
        '--from',
        'decision-log',
        files['inputs-regent'] as string,
        '--since',
        withInputs.since,
        '--config',
        rego.config,
      ]);
    });

    it('drafts exactly what the audit trail of the same run drafts', () => {
      assert.deepEqual(d.fragment, trailDraft.fragment);
      assert.deepEqual(d.fragment['roles']['hr-assistant-observed'].tools, [
        'slack.post_message',
        'workday.read_employee',
      ]);
      assert.deepEqual(d.fragment['destinations'], { systems: { slack: { entries: { '#hr-leads': 'public' } } } });
      assert.equal(d.fragment['activity'].restricted_read_burst.max_reads, 2);
    });

    it('names the source of each grant, lists denials and observe-mode allows, and sees the result check', () => {
      const hrDraft = agentOf(d, 'hr-assistant');
      const slack = hrDraft.tools.find((t) => t.tool === 'slack.post_message');
      assert.deepEqual(slack?.evidence.sources, ['regent decision log (with input)']);
      assert.deepEqual(slack?.evidence.decision_ids, [withInputs.ids['post-leads']]);
      assert.deepEqual(
        hrDraft.denied.map((x) => x.tool),
        ['slack.post_message', 'vault.write_secret'],
      );
      // The result check is read as a result, not as a second call.
      const read = hrDraft.tools.find((t) => t.tool === 'workday.read_employee');
      assert.deepEqual(read?.evidence.decision_ids, [withInputs.ids['read-employee']]);
      const sales = agentOf(d, 'sales-assistant');
      assert.deepEqual(
        sales.observe_mode_overrides.map((o) => [o.tool, o.would_have_been]),
        [['vault.write_secret', 'deny']],
      );
      assert.deepEqual(d.report.source.forms, { 'regent decision log (with input)': DECISIONS });
      assert.deepEqual(d.report.source.cannot_show, []);
      assert.match(d.stdout, /from regent decision log \(with input\)/);
    });

    it('writes a diff that passes the configuration check', async () => passesCheck(d, 'regent-inputs'));
  });

  describe('--from decision-log, OPA events with inputs', () => {
    let d: Drafted;
    before(async () => {
      d = await draft(dir, 'opa-inputs', [
        '--from',
        'decision-log',
        files['inputs-opa'] as string,
        '--since',
        withInputs.since,
        '--config',
        rego.config,
      ]);
    });

    it('drafts exactly what the audit trail drafts, from the same decisions', () => {
      assert.deepEqual(d.fragment, trailDraft.fragment);
      const ids = new Set(d.report.agents.flatMap((a) => a.tools.flatMap((t) => t.evidence.decision_ids)));
      assert.ok(ids.has(withInputs.ids['post-leads'] as string));
      assert.deepEqual(d.report.source.forms, { 'OPA decision log (with input)': DECISIONS });
    });

    it("reads OPA's console shape on stdout too (REGENT_DECISION_LOG_FORMAT=opa), skipping other log lines", async () => {
      const c = await draft(dir, 'opa-console', [
        '--from',
        'decision-log',
        files['console-opa'] as string,
        '--since',
        opaConsole.since,
        '--config',
        rego.config,
      ]);
      assert.deepEqual(c.fragment, trailDraft.fragment);
      assert.deepEqual(c.report.source.forms, { 'OPA decision log (with input)': DECISIONS });
      assert.ok((c.report.source.skipped['other log lines'] ?? 0) > 0);
    });

    it('says that OPA events cannot show what observe mode let through', () => {
      assert.deepEqual(agentOf(d, 'sales-assistant').observe_mode_overrides, []);
      assert.ok(agentOf(d, 'sales-assistant').limits.some((l) => l.includes('observe mode')));
      assert.ok(d.report.source.cannot_show.some((l) => l.includes('observe mode')));
      assert.match(d.stdout, /cannot show: .*observe mode/);
    });

    it('writes a diff that passes the configuration check', async () => passesCheck(d, 'opa-inputs'));
  });

  describe('--from decision-log, regent format without inputs', () => {
    let d: Drafted;
    before(async () => {
      d = await draft(dir, 'regent-bare', [
        '--from',
        'decision-log',
        files['bare-regent'] as string,
        '--since',
        withoutInputs.since,
        '--config',
        rego.config,
      ]);
    });

    it('drafts the same roles and tools, and no destination entry or ceiling it cannot back', () => {
      assert.deepEqual(d.fragment['agents'], trailDraft.fragment['agents']);
      assert.deepEqual(d.fragment['roles'], trailDraft.fragment['roles']);
      assert.deepEqual(Object.keys(d.fragment).sort(), ['agents', 'roles']);
      assert.ok(d.report.notes.some((n) => n.startsWith('restricted-read ceiling not drafted')));
      assert.equal(agentOf(d, 'hr-assistant').ceilings.restricted_reads_ceiling, null);
    });

    it('reports what a log without inputs cannot show', () => {
      const hrDraft = agentOf(d, 'hr-assistant');
      assert.deepEqual(hrDraft.resources_read, {});
      assert.deepEqual(hrDraft.flows, []);
      assert.ok(!hrDraft.unused.some((u) => u.kind === 'destination'), 'unused destinations are not guessed');
      assert.ok(hrDraft.limits.some((l) => l.includes('unused destination entries are not listed')));
      assert.deepEqual(d.report.source.forms, { 'regent decision log (no input)': DECISIONS });
      const text = d.report.source.cannot_show.join('\n');
      assert.match(text, /carry no input/);
      assert.match(text, /cannot tell a tool call from the check of its result/);
      // Principals and observe mode are on regent's own lines even without inputs, and so is the
      // phase of a result check: it is not counted as a second use of the read tool.
      assert.ok('alice' in hrDraft.principals);
      const read = hrDraft.tools.find((t) => t.tool === 'workday.read_employee');
      assert.deepEqual(read?.evidence.decision_ids, [withoutInputs.ids['read-employee']]);
      assert.equal(agentOf(d, 'sales-assistant').observe_mode_overrides.length, 1);
    });

    it('writes a diff that passes the configuration check', async () => passesCheck(d, 'regent-bare'));
  });

  it('refuses OPA events without inputs (exit 2): they name no agent or tool, and nothing is written', async () => {
    const out = path.join(dir, 'opa-bare.draft.json');
    const { code, stderr } = await draftFails([
      '--from',
      'decision-log',
      files['bare-opa'] as string,
      '--config',
      rego.config,
      '--out',
      out,
    ]);
    assert.equal(code, 2);
    assert.match(stderr, /carry no input/);
    assert.equal(await exists(out), false);
  });

  describe('--from otel (GenAI semantic conventions v1.38.0)', () => {
    let d: Drafted;
    before(async () => {
      d = await draft(dir, 'otel', ['--from', 'otel', TRACES, '--config', rego.config]);
    });

    it('grants each agent exactly the catalogued tools its successful execute_tool spans show', () => {
      assert.deepEqual(d.fragment, {
        agents: {
          'hr-assistant': { roles: ['hr-assistant-observed'] },
          'sales-assistant': { roles: ['sales-assistant-observed'] },
        },
        roles: {
          'hr-assistant-observed': { tools: ['email.send', 'slack.post_message', 'workday.read_employee'] },
          'sales-assistant-observed': { tools: ['salesforce.read_account'] },
        },
      });
      const read = agentOf(d, 'hr-assistant').tools.find((t) => t.tool === 'workday.read_employee');
      assert.deepEqual(read?.kinds, ['read']);
      assert.deepEqual(read?.evidence.decision_ids, ['5b8efff798038103d269b633813fc60c/bbb19b7ec3c1b102']);
    });

    it('grants nothing for a failed span, an unknown tool, an unknown agent or a span naming no agent', () => {
      const notGranted = agentOf(d, 'hr-assistant').not_granted.join('\n');
      assert.match(notGranted, /tool 'gdrive\.write_file': 1 execute_tool span\(s\) ended in an error/);
      assert.match(notGranted, /tool 'lookup_weather' is not defined in tools/);
      assert.match(agentOf(d, 'ops-bot').not_granted.join('\n'), /not in the agent registry/);
      assert.equal(
        d.report.source.skipped[
          'execute_tool spans naming no agent (gen_ai.agent.id or gen_ai.agent.name, on the span or an ancestor)'
        ],
        1,
      );
      assert.ok(!JSON.stringify(d.fragment).includes('vault.write_secret'));
      assert.ok(!JSON.stringify(d.fragment).includes('gdrive.write_file'));
    });

    it('names a destination only through the directory, and drafts none', () => {
      const flows = agentOf(d, 'hr-assistant').flows;
      assert.deepEqual(
        flows.map((f) => [f.system, f.id, f.audience, f.labels_complete]),
        [['slack', '#hr-team', 'team', false]],
      );
      assert.equal(d.fragment['destinations'], undefined);
      assert.ok(!JSON.stringify(d.fragment).includes('#hr-offsite-2026'));
    });

    it('says the grants come from unverified telemetry, and what traces cannot show', () => {
      assert.equal(d.report.source.unverified, true);
      assert.match(d.stdout, /UNVERIFIED/);
      assert.match(d.stdout, /from OpenTelemetry trace \(execute_tool span, unverified\)/);
      const text = d.report.source.cannot_show.join('\n');
      for (const want of [/own claims/, /no labels or classification/, /no principal/, /not that a policy allowed/])
        assert.match(text, want);
      assert.deepEqual(agentOf(d, 'hr-assistant').principals, {});
      assert.ok(d.report.notes.some((n) => n.startsWith('restricted-read ceiling not drafted')));
    });

    it('writes a diff that passes the configuration check', async () => passesCheck(d, 'otel'));
  });

  describe('usage errors and malformed sources exit 2 and write nothing', () => {
    const cases: { note: string; args: () => string[] | Promise<string[]>; want: RegExp }[] = [
      { note: 'an unknown source', args: () => ['--from', 'syslog', 'x.log'], want: /--from wants one of/ },
      {
        note: 'a decision log with a line that is not JSON',
        args: async () => {
          const bad = path.join(dir, 'bad.jsonl');
          const good = (await readFile(files['inputs-regent'] as string, 'utf8')).split('\n');
          await writeFile(bad, [...good.slice(0, 3), '{"message":"decision", oops', ...good.slice(3)].join('\n'));
          return ['--from', 'decision-log', bad];
        },
        want: /bad\.jsonl line 4 is not JSON/,
      },
      {
        note: 'a decision line without a tool',
        args: async () => {
          const bad = path.join(dir, 'no-tool.jsonl');
          const line = { message: 'decision', decision_id: 'd1', agent_id: 'a', kind: 'read', decision: 'allow' };
          await writeFile(bad, `${JSON.stringify({ ...line, timestamp: new Date().toISOString() })}\n`);
          return ['--from', 'decision-log', bad];
        },
        want: /line 1: a decision line without a valid tool/,
      },
      {
        note: 'a file with no decision in it',
        args: async () => {
          const none = path.join(dir, 'none.jsonl');
          await writeFile(none, '{"message":"listening","level":"info"}\n');
          return ['--from', 'decision-log', none];
        },
        want: /holds no decision/,
      },
      {
        note: 'a JSON file that is not an OTLP export',
        args: async () => {
          const bad = path.join(dir, 'not-otlp.json');
          await writeFile(bad, JSON.stringify({ spans: [] }, null, 2));
          return ['--from', 'otel', bad];
        },
        want: /not an OTLP JSON trace export/,
      },
      {
        note: 'a missing file',
        args: () => ['--from', 'otel', path.join(dir, 'absent.json')],
        want: /cannot read/,
      },
      {
        note: 'a trail flag with another source',
        args: () => ['--from', 'otel', TRACES, '--trail', 'x'],
        want: /--trail and --table are for --from trail/,
      },
      { note: 'a source without its file', args: () => ['--from', 'decision-log'], want: /needs the file/ },
    ];
    for (const c of cases)
      it(`refuses ${c.note}`, async () => {
        const out = path.join(dir, `refused-${c.note.replaceAll(' ', '-')}.json`);
        const { code, stderr } = await draftFails([...(await c.args()), '--config', rego.config, '--out', out]);
        assert.equal(code, 2, stderr);
        assert.match(stderr, c.want);
        assert.equal(await exists(out), false);
      });
  });

  it('bounds what it reads: a line or a file over the limit is an error, not a partial draft', async () => {
    const file = path.join(dir, 'long.jsonl');
    await writeFile(file, `{"a":1}\n{"b":"${'x'.repeat(200)}"}\n`);
    const limits = { maxFileBytes: 1024, maxLineBytes: 100, maxDocumentBytes: 1024 };
    await assert.rejects(
      readJsonValues(file, () => {}, limits),
      (e) => {
        assert.ok(e instanceof SourceFileError);
        assert.match(e.message, /line 2 is longer than 100 bytes/);
        return true;
      },
    );
    await assert.rejects(
      readJsonValues(file, () => {}, { ...limits, maxFileBytes: 64 }),
      /more than the 64/,
    );
  });

  it('documents every source in --help', async () => {
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'src/cli/main.ts'), 'draft', '--help']);
    for (const want of ['--from <source>', 'decision-log', 'otel', '1.38.0', 'Unverified'])
      assert.ok(stdout.includes(want), want);
  });
});
