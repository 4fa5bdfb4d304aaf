/**
 * The operator commands: audit-verify names the first bad record and exits 1 (0 when intact,
 * 2 on a usage error); audit-export writes OCSF-style events (or raw records) that still verify.
 */
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FileAuditStore } from '../../src/audit/file-store.ts';
import { dataFlowSummary } from '../../src/audit/record.ts';
import { admin, decision, keyPair, signerPair, storeOptions, tempDir } from './helpers.ts';

const execFile = promisify(execFileCb);
const ROOT = join(import.meta.dirname, '..', '..');
const tmp = tempDir();
after(() => {
  tmp.cleanup();
});
const keys = signerPair();
const trail = join(tmp.dir, 'trail.jsonl');
const pubPath = join(tmp.dir, 'audit.pub.pem');
const otherPubPath = join(tmp.dir, 'other.pub.pem');
const SECRET = 'the-password-is-hunter2';

/** Runs `regent audit <command>` (src/cli/main.ts) with `args`. */
async function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFile(
      process.execPath,
      [join(ROOT, 'src/cli/main.ts'), 'audit', command, ...args],
      {
        maxBuffer: 64 << 20,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  writeFileSync(pubPath, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(otherPubPath, keyPair().publicKey.export({ type: 'spki', format: 'pem' }));
  const store = await FileAuditStore.open({ ...storeOptions({}, keys.signer), path: trail });
  const flow = dataFlowSummary({
    data_flow: { sources: [{ system: 'vault', labels: ['secret'] }], destination: { system: 'email' } },
    payload: { text: SECRET },
  });
  for (let i = 1; i <= 12; i += 1) {
    await store.append(
      decision(i, { data_flow: flow, agent: { id: i % 3 === 0 ? 'ops-bot' : 'hr-assistant', on_behalf_of: null } }),
    );
  }
  await store.append(admin('bundle.activate'));
  await store.close();
});

/** Writes a tampered copy of the trail and returns its path. */
function tampered(name: string, change: (lines: string[]) => string[]): string {
  const lines = readFileSync(trail, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const path = join(tmp.dir, `${name}.jsonl`);
  writeFileSync(path, `${change(lines).join('\n')}\n`);
  return path;
}

describe('regent audit verify', () => {
  const cases = [
    {
      note: 'an untouched trail is OK with counts',
      file: () => trail,
      args: ['--public-key', pubPath],
      code: 0,
      out: /^OK .*15 records \(12 decisions, 1 admin, 2 checkpoints, 2 signatures verified\)/m,
    },
    {
      note: 'an edited record is named by line and seq',
      file: () => tampered('edited', (l) => l.map((x, i) => (i === 4 ? x.replace('"deny"', '"allow"') : x))),
      args: [],
      code: 1,
      out: /FAIL .*: line 5 \(seq 5\): edited/,
    },
    {
      note: 'a deleted record is named',
      file: () => tampered('deleted', (l) => l.filter((_, i) => i !== 2)),
      args: [],
      code: 1,
      out: /line 3 \(seq 3\): deleted/,
    },
    {
      note: 'a reordered record is named',
      file: () => tampered('reordered', (l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)]),
      args: [],
      code: 1,
      out: /line 2 \(seq 2\): reordered/,
    },
    {
      note: 'a truncated trail is named when the expected head is given',
      file: () => tampered('truncated', (l) => l.slice(0, 10)),
      args: ['--expect-head', '15'],
      code: 1,
      out: /line 11 \(seq 11\): truncated/,
    },
    {
      note: 'a checkpoint from another key is a bad signature',
      file: () => trail,
      args: ['--public-key', otherPubPath],
      code: 1,
      out: /bad_signature/,
    },
    {
      note: 'a tail longer than allowed without a signature fails when asked',
      file: () => tampered('unsigned', (l) => l.slice(0, 14)),
      args: ['--max-unsigned-tail', '1'],
      code: 1,
      out: /3 records after the last checkpoint/,
    },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      const result = await run('verify', ['--file', c.file(), ...c.args]);
      assert.equal(result.code, c.code, result.stdout + result.stderr);
      assert.match(result.stdout, c.out);
    });
  }

  it('exits 2 with usage when --file is missing', async () => {
    const result = await run('verify', []);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage:/);
  });
});

/** The OCSF fields the export test reads. */
interface OcsfDecision {
  class_uid: number;
  type_uid: number;
  action: string;
  message: string;
  metadata: { uid: string; sequence: number };
  actor: { app_uid: string; session: { uid: string }; authorizations: { policy: { version: string } }[] };
  api: { operation: string };
}

describe('regent audit export', () => {
  it('writes OCSF-style API Activity events with the decision mapped', async () => {
    const result = await run('export', ['--file', trail, '--type', 'decision']);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as OcsfDecision);
    assert.equal(events.length, 12);
    const first = events[0]!;
    assert.equal(first.class_uid, 6003);
    assert.equal(first.type_uid, 600399);
    assert.equal(first.action, 'Denied');
    assert.equal(first.metadata.uid, 'dec-1');
    assert.equal(first.metadata.sequence, 1);
    assert.equal(first.actor.app_uid, 'hr-assistant');
    assert.equal(first.actor.session.uid, 'sess-1');
    assert.equal(first.actor.authorizations[0]?.policy.version, 'rev-1');
    assert.equal(first.api.operation, 'slack.post_message');
    assert.equal(first.message, 'flow.audience_not_cleared');
  });

  it('filters by agent', async () => {
    const result = await run('export', ['--file', trail, '--agent', 'ops-bot', '--format', 'raw']);
    assert.equal(result.stdout.trim().split('\n').length, 4);
  });

  it('never exports payload values', async () => {
    const result = await run('export', ['--file', trail]);
    assert.ok(!result.stdout.includes(SECRET));
  });

  const roundTrips = [
    { note: 'a raw export of the whole trail verifies as the original', format: 'raw', verifyArgs: [] as string[] },
    { note: 'an OCSF export of the whole trail verifies with --ocsf', format: 'ocsf', verifyArgs: ['--ocsf'] },
  ];
  for (const c of roundTrips) {
    it(c.note, async () => {
      const exported = await run('export', ['--file', trail, '--format', c.format]);
      const path = join(tmp.dir, `export-${c.format}.jsonl`);
      writeFileSync(path, exported.stdout);
      const verified = await run('verify', ['--file', path, '--public-key', pubPath, ...c.verifyArgs]);
      assert.equal(verified.code, 0, verified.stdout);
      assert.match(verified.stdout, /^OK .*15 records/m);
    });
  }
});
