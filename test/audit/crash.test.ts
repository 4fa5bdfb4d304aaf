/**
 * Crash safety of the file store: a child appends as fast as it can and prints each record
 * once acknowledged; it is SIGKILLed at a random moment; the store is reopened and every
 * acknowledged record must be there, with the hash it was acknowledged with, on a chain that
 * verifies (signatures included). Some runs also leave a torn partial line behind, as a crash
 * in the middle of a write would. AUDIT_CRASH_RUNS sets the number of kills: 100 by default, so
 * `make test` stays fast; `make test-soak` (which CI runs) sets 1000. AUDIT_CRASH_PARALLEL
 * (default 2) sets how many run at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckpointSigner } from '../../src/audit/chain.ts';
import { FileAuditStore } from '../../src/audit/file-store.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { keyPair, storeOptions, tempDir } from './helpers.ts';

const RUNS = Number(process.env['AUDIT_CRASH_RUNS'] ?? 100);
const PARALLEL = Math.max(1, Number(process.env['AUDIT_CRASH_PARALLEL'] ?? 2));
/** Runs that share one trail file, so recovery is also tested on top of earlier recoveries. */
const RUNS_PER_FILE = 5;
const WRITER = join(import.meta.dirname, 'crash-writer.ts');

const tmp = tempDir('regent-audit-crash-');
after(() => {
  tmp.cleanup();
});
const { privateKey, publicKey } = keyPair();
const keyPath = join(tmp.dir, 'signing.pem');
writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
const signer = new CheckpointSigner(privateKey);

interface RunResult {
  acked: Map<number, string>;
  sawReady: boolean;
  stderr: string;
}

/** Starts the writer and SIGKILLs it after `killAfterMs` (counted from ready, or from spawn). */
async function runWriter(path: string, killAfterMs: number, beforeReady: boolean): Promise<RunResult> {
  const child = spawn(process.execPath, [WRITER, path, keyPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Caching the stripped TypeScript cuts each child's start from ~200 ms to ~40 ms.
    env: { ...process.env, NODE_COMPILE_CACHE: join(tmp.dir, 'compile-cache') },
  });
  let stdout = '';
  let stderr = '';
  let sawReady = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (!sawReady && stdout.startsWith('ready\n')) {
        sawReady = true;
        resolve();
      }
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  if (!beforeReady) await Promise.race([ready, exited]);
  await sleep(killAfterMs);
  child.kill('SIGKILL');
  await exited;
  // Only complete lines count: a line cut by the kill was never fully printed.
  const acked = new Map<number, string>();
  for (const line of stdout.split('\n').slice(0, -1)) {
    const [seq, hash] = line.split(' ');
    if (seq !== 'ready' && seq !== undefined && hash !== undefined) acked.set(Number(seq), hash);
  }
  return { acked, sawReady, stderr };
}

async function crashOnce(run: number, path: string): Promise<{ acked: number; injected: boolean; natural: boolean }> {
  const beforeReady = Math.random() < 0.1;
  const result = await runWriter(path, 5 + Math.floor(Math.random() * 35), beforeReady);
  assert.equal(result.stderr, '', `run ${run}: the writer reported an error`);

  // SIGKILL can itself cut a large write short; make sure torn tails are common by adding one.
  const tear = Math.random() < 0.2 && existsSync(path);
  if (tear) appendFileSync(path, '{"agent":{"id":"hr-assistant","on_behalf_of":"al');

  const store = await FileAuditStore.open({ ...storeOptions({}, signer), path });
  try {
    if (tear) assert.notEqual(store.openReport.tornPath, null, `run ${run}: the injected torn tail was not set aside`);
    const lines = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    const verdict = verifyTrail(lines, { publicKeys: [publicKey] });
    assert.equal(verdict.ok, true, `run ${run}: ${JSON.stringify(verdict)}`);
    for (const [seq, hash] of result.acked) {
      const line = lines[seq - 1];
      assert.ok(line !== undefined, `run ${run}: acknowledged seq ${seq} is missing (trail has ${lines.length})`);
      assert.equal((JSON.parse(line) as { hash: string }).hash, hash, `run ${run}: seq ${seq} changed`);
    }
  } finally {
    await store.close();
  }
  return { acked: result.acked.size, injected: tear, natural: !tear && store.openReport.tornPath !== null };
}

describe('file store: crash safety under SIGKILL', () => {
  it(`keeps every acknowledged record across ${RUNS} random kills`, async () => {
    let next = 0;
    let acked = 0;
    let injected = 0;
    let natural = 0;
    // Each worker has its own files: a trail has one writer, which the lock enforces.
    const worker = async (id: number): Promise<void> => {
      for (let run = next++, mine = 0; run < RUNS; run = next++, mine += 1) {
        const path = join(tmp.dir, `trail-${id}-${Math.floor(mine / RUNS_PER_FILE)}.jsonl`);
        const outcome = await crashOnce(run, path);
        acked += outcome.acked;
        if (outcome.injected) injected += 1;
        if (outcome.natural) natural += 1;
      }
    };
    // On the first failure the other workers stop taking runs, so cleanup does not race them.
    const results = await Promise.allSettled(
      Array.from({ length: PARALLEL }, (_, id) =>
        worker(id).catch((error: unknown) => {
          next = RUNS;
          throw error;
        }),
      ),
    );
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    assert.ok(acked > 0, 'no run acknowledged anything: the kills came too early to test anything');
    process.stdout.write(
      `# crash test: ${RUNS} kills, ${acked} acknowledged records checked, ` +
        `${injected} injected and ${natural} kill-made torn tails set aside\n`,
    );
  });
});
