/**
 * Signed checkpoints reach the log: regent writes each as an `audit checkpoint` line whose fields
 * are exactly an anchor for `regent audit verify --anchor`, so a trail cut back past a logged
 * checkpoint fails verification even though what is left is a valid, shorter chain.
 */
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startRegent } from '../support/regent-server.ts';
import { keyPair } from './helpers.ts';

const execFile = promisify(execFileCb);
const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'regent-checkpoint-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function verify(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [
      join(ROOT, 'src/cli/main.ts'),
      'audit',
      'verify',
      ...args,
    ]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('audit checkpoints in the log', () => {
  it('logs each signed checkpoint as an anchor that audit-verify accepts and that catches truncation', async () => {
    const { privateKey, publicKey } = keyPair();
    const keyPath = join(dir, 'audit.pem');
    const pubPath = join(dir, 'audit.pub.pem');
    const trail = join(dir, 'trail.jsonl');
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }));
    const server = await startRegent({ auditPath: trail, auditSigningKeyPath: keyPath });
    for (let i = 0; i < 3; i++) {
      const res = await server.post('/v1/decisions', { agent: { id: 'a' }, action: { tool: 't', kind: 'read' } });
      assert.equal(res.status, 200);
    }
    await server.close(); // a clean shutdown signs the tail

    const logged = server.records().filter((r) => r['message'] === 'audit checkpoint');
    assert.equal(logged.length, 1, 'one checkpoint, at shutdown');
    const anchor = logged[0] as { checkpoint: { seq: number; head_hash: string }; key_id: string; signature: string };
    const lines = readFileSync(trail, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { type: string; seq: number; checkpoint: unknown; signature: string };
    assert.equal(last.type, 'checkpoint');
    assert.deepEqual(anchor.checkpoint, last.checkpoint);
    assert.equal(anchor.signature, last.signature);

    const anchorFile = join(dir, 'anchors.jsonl');
    writeFileSync(
      anchorFile,
      `${JSON.stringify({ checkpoint: anchor.checkpoint, key_id: anchor.key_id, signature: anchor.signature })}\n`,
    );
    const intact = await verify(['--file', trail, '--public-key', pubPath, '--anchor', anchorFile]);
    assert.equal(intact.code, 0, intact.out);

    // Cut the trail back past the checkpoint: still a valid chain on its own, but not against the anchor.
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, -2).join('\n')}\n`);
    assert.equal((await verify(['--file', cut, '--public-key', pubPath])).code, 0, 'alone, the cut trail verifies');
    const caught = await verify(['--file', cut, '--public-key', pubPath, '--anchor', anchorFile]);
    assert.equal(caught.code, 1, caught.out);
    assert.match(caught.out, new RegExp(`\\b${anchor.checkpoint.seq}\\b`));
  });
});
