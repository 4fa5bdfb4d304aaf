/**
 * `regent draft` on real traffic: a real regent (shipped rego/, audit trail in a file, decision
 * log with inputs) decides requests; the draft is made from its trail with the real CLI, its diff
 * applied to the shipped configuration must pass the configuration check, and replaying the
 * recorded traffic against the drafted bundle shows which past decisions would change. With
 * --widen reads, on a catalogue with more tools per system, the draft grants the extra reads of
 * the systems read apart from the observed ones and still passes the configuration check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { replayLog, ReplayEngine } from '../../src/policy/replay.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { applyMergePatch, type Json } from '../../src/draft/merge-patch.ts';
import { checkDraft } from '../../src/draft/check.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const run = promisify(execFile);
const CONFIG = path.join(REPO_ROOT, 'rego/regent/config/data.json');

interface Report {
  agents: {
    agent: string;
    tools: { tool: string }[];
    denied: { tool: string; target: string | null; decision: string; evidence: { decision_ids: string[] } }[];
    unused: { kind: string; name: string; before_period: { count: number } | null }[];
    resources_read: Record<string, { count: number; decision_ids: string[] }>;
    principals: Record<string, { count: number }>;
    flows: { system: string; id: string | null; audience: string | null; labels: string[] }[];
  }[];
}

describe('regent draft', () => {
  let server: TestServer;
  let dir: string;
  let trail: string;
  let since: string;
  const ids: Record<string, string> = {};
  let fragment: Record<string, any>;
  let diff: Json;
  let report: Report;
  let stdout: string;

  /** `regent draft --trail <this test's trail> ...args`, the real CLI in a child process. */
  const draftCli = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'src/cli/main.ts'), 'draft', '--trail', trail, ...args]);

  const decide = async (name: string, body: unknown, want: string) => {
    const res = await server.post('/v1/decisions', body);
    assert.equal(res.body.decision, want, `${name}: ${res.text}`);
    ids[name] = res.body.decision_id as string;
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-draft-test-'));
    server = await startRegent({ bundlePath: (await regoBundle()).file, decisionLog: true, decisionLogInputs: true });
    trail = server.regent.config.auditPath;
    const hr = { id: 'hr-assistant', on_behalf_of: { id: 'alice' } };
    // Before the period: a mail the draft will not grant (replay must show it changing).
    await decide(
      'early-mail',
      {
        agent: hr,
        action: { tool: 'email.send', kind: 'send' },
        data_flow: { destination: { system: 'email', recipients: [{ id: 'bob@example.com' }] } },
      },
      'allow',
    );
    await new Promise((r) => setTimeout(r, 20));
    since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await decide(
      'read-employee',
      {
        agent: hr,
        session: { id: 's1' },
        action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      },
      'allow',
    );
    await decide(
      'comp-to-team',
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
      {
        agent: hr,
        session: { id: 's2' },
        action: { tool: 'slack.post_message', kind: 'send' },
        data_flow: { destination: { system: 'slack', id: '#hr-leads' } },
      },
      'allow',
    );
    await decide(
      'read-handbook',
      {
        agent: hr,
        action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'hr/handbook' } },
      },
      'allow',
    );
    await decide(
      'secret',
      {
        agent: hr,
        action: { tool: 'vault.write_secret', kind: 'write', resource: { system: 'vault', id: 'db' } },
      },
      'deny',
    );
    await decide(
      'read-account',
      {
        agent: { id: 'sales-assistant' },
        action: { tool: 'salesforce.read_account', kind: 'read', resource: { system: 'salesforce', id: 'acct-1' } },
      },
      'allow',
    );

    const out = path.join(dir, 'draft.json');
    const diffFile = path.join(dir, 'diff.json');
    const reportFile = path.join(dir, 'report.json');
    ({ stdout } = await draftCli(
      '--since',
      since,
      '--headroom',
      '50%',
      '--config',
      CONFIG,
      '--out',
      out,
      '--diff',
      diffFile,
      '--report',
      reportFile,
    ));
    fragment = JSON.parse(await readFile(out, 'utf8'));
    diff = JSON.parse(await readFile(diffFile, 'utf8'));
    report = JSON.parse(await readFile(reportFile, 'utf8'));
  });
  after(async () => server.close());

  const agent = (id: string) => {
    const a = report.agents.find((x) => x.agent === id);
    assert.ok(a, `${id} in the report`);
    return a;
  };

  it('grants each agent one observed role with exactly the tools its allowed decisions used', () => {
    assert.deepEqual(fragment['agents']['hr-assistant'], { roles: ['hr-assistant-observed'] });
    assert.deepEqual(fragment['roles']['hr-assistant-observed'].tools, [
      'gdrive.read_file',
      'slack.post_message',
      'workday.read_employee',
    ]);
    assert.deepEqual(fragment['roles']['sales-assistant-observed'].tools, ['salesforce.read_account']);
  });

  it('lists a denied ask with its evidence and never grants it', () => {
    const hr = agent('hr-assistant');
    const secret = hr.denied.find((d) => d.tool === 'vault.write_secret');
    assert.ok(secret);
    assert.deepEqual(secret.evidence.decision_ids, [ids['secret']]);
    const team = hr.denied.find((d) => d.target === 'slack/#hr-team');
    assert.deepEqual(team?.evidence.decision_ids, [ids['comp-to-team']]);
    assert.ok(!JSON.stringify(fragment).includes('vault.write_secret'));
    assert.ok(!JSON.stringify(fragment).includes('#hr-team'), 'a denied send adds no destination entry');
    assert.match(stdout, /asked for, denied: vault\.write_secret/);
  });

  it('adds a destination entry only for a channel it sent to, with the audience regent resolved', () => {
    assert.deepEqual(fragment['destinations'], { systems: { slack: { entries: { '#hr-leads': 'public' } } } });
    assert.ok(!JSON.stringify(fragment).includes('*'), 'no wildcard anywhere');
  });

  it('names the resources read and the principals acted for, with decision ids', () => {
    const hr = agent('hr-assistant');
    assert.deepEqual(hr.resources_read['workday/emp-42']?.decision_ids, [ids['read-employee']]);
    assert.deepEqual(hr.resources_read['gdrive/hr/handbook']?.decision_ids, [ids['read-handbook']]);
    // Three allowed decisions for alice in the period; the two denied asks grant nothing.
    assert.equal(hr.principals['alice']?.count, 3);
  });

  it('sets the restricted-read ceiling from the observed peak plus headroom', () => {
    // One restricted read in the window, 50% headroom: ceil(1.5) = 2.
    assert.equal(fragment['activity'].restricted_read_burst.max_reads, 2);
  });

  it('reports what is granted but unused since the start of the period, with earlier use', () => {
    const unused = agent('hr-assistant').unused;
    assert.ok(unused.some((u) => u.kind === 'role' && u.name === 'hr_editor'));
    const mail = unused.find((u) => u.kind === 'tool' && u.name === 'email.send');
    assert.equal(mail?.before_period?.count, 1);
    assert.ok(unused.some((u) => u.kind === 'destination' && u.name === 'slack/#general'));
    assert.ok(!unused.some((u) => u.name === 'slack.post_message'));
  });

  it('writes a diff that, applied to the configuration, passes the configuration check, and replay shows what changes', async () => {
    const config = JSON.parse(await readFile(CONFIG, 'utf8')) as Json;
    const merged = applyMergePatch(config, diff);
    const bundleFile = path.join(dir, 'draft.tar.gz');
    const check = await checkDraft(path.join(REPO_ROOT, 'rego'), merged, bundleFile);
    assert.deepEqual(check.problems, []);

    const log = path.join(dir, 'decisions.jsonl');
    await writeFile(log, server.logs());
    const candidate = await ReplayEngine.load(await readBundle(await readFile(bundleFile)));
    const replayed = await replayLog(log, candidate, undefined, 50);
    assert.equal(replayed.replayed, 7);
    // Only the mail sent before the period changes: the draft grants nothing it did not see.
    assert.deepEqual(
      replayed.firstChanged.map((c) => c.decision_id),
      [ids['early-mail']],
    );
  });

  it('with --widen reads, grants the unobserved reads of a system read in a role of their own, and the configuration check accepts it', async () => {
    // The shipped catalogue has one read per system; give gdrive and workday more, and github none read.
    const config = JSON.parse(await readFile(CONFIG, 'utf8')) as { tools: Record<string, Json> };
    config.tools['gdrive.list_files'] = { system: 'gdrive', kinds: ['read'] };
    config.tools['gdrive.read_salaries'] = { system: 'gdrive', kinds: ['read'], returns: { labels: ['compensation'] } };
    config.tools['workday.list_departments'] = { system: 'workday', kinds: ['read'] };
    config.tools['github.list_repos'] = { system: 'github', kinds: ['read'] };
    const configFile = path.join(dir, 'widen-config.json');
    await writeFile(configFile, JSON.stringify(config));
    const reportFile = path.join(dir, 'widen-report.json');
    const out = path.join(dir, 'widen-draft.json');
    const { stdout: summary } = await draftCli(
      '--since',
      since,
      '--config',
      configFile,
      '--widen',
      'reads',
      '--out',
      out,
      '--report',
      reportFile,
      '--rego',
      path.join(REPO_ROOT, 'rego'),
    );
    const widened = JSON.parse(await readFile(out, 'utf8'));
    assert.deepEqual(widened['agents']['hr-assistant'], {
      roles: ['hr-assistant-observed', 'hr-assistant-widened-reads'],
    });
    // The observed role is the strict draft's; the widened one holds only reads of gdrive and workday.
    assert.deepEqual(widened['roles']['hr-assistant-observed'], fragment['roles']['hr-assistant-observed']);
    assert.deepEqual(widened['roles']['hr-assistant-widened-reads'].tools, [
      'gdrive.list_files',
      'workday.list_departments',
    ]);
    assert.match(widened['roles']['hr-assistant-widened-reads'].description, /^NOT OBSERVED/);
    // Never a write of a system read (gdrive.write_file, workday.update_employee), never a read of
    // a system not read (github), never a read declaring more than the reads seen (gdrive.read_salaries).
    for (const tool of ['gdrive.write_file', 'workday.update_employee', 'github.list_repos', 'gdrive.read_salaries'])
      assert.ok(!JSON.stringify(widened).includes(`"${tool}"`), tool);
    const hr = (
      JSON.parse(await readFile(reportFile, 'utf8')) as {
        agents: {
          agent: string;
          beyond_observation: {
            tool: string;
            observed: boolean;
            rests_on: { tool: string; evidence: { decision_ids: string[] } }[];
          }[];
        }[];
      }
    ).agents.find((a) => a.agent === 'hr-assistant');
    const listFiles = hr?.beyond_observation.find((g) => g.tool === 'gdrive.list_files');
    assert.equal(listFiles?.observed, false);
    assert.deepEqual(
      listFiles?.rests_on.map((r) => [r.tool, r.evidence.decision_ids]),
      [['gdrive.read_file', [ids['read-handbook']]]],
    );
    assert.match(summary, /granted beyond observation \(NOT observed; role hr-assistant-widened-reads;/);
    assert.match(summary, new RegExp(`gdrive\\.read_file .*e\\.g\\. ${ids['read-handbook']}`));
    assert.match(summary, /^configuration check: no problems$/m);
  });

  it('refuses a widening it does not know, and writes nothing', async () => {
    const out = path.join(dir, 'unknown-widening.json');
    await assert.rejects(
      draftCli('--widen', 'everything', '--out', out),
      (e: { code: number; stderr: string }) => e.code === 2 && /--widen wants one of reads/.test(e.stderr),
    );
    await assert.rejects(readFile(out));
  });
});
