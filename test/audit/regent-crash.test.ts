/**
 * Crash safety end to end: a real regent process under load is killed with SIGKILL at a random
 * moment, again and again. After every restart, each decision a client saw answered has its
 * record in the audit trail, and the whole chain verifies: regent answers only what is durable.
 * Runs: KILL_RUNS, 20 by default so `make test` stays fast; `make test-soak` (which CI runs)
 * sets 1000.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyTrail } from '../../src/audit/verify.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegentProcess } from '../support/regent-process.ts';

const RUNS = Number(process.env['KILL_RUNS'] ?? 20);
const bodies = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact].map((b) => JSON.stringify(b));

async function trailRecords(file: string): Promise<{ records: unknown[]; ids: Set<string> }> {
  const text = await readFile(file, 'utf8');
  const records = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { decision_id?: string; body?: { decision_id?: string } });
  const ids = new Set<string>();
  for (const r of records) {
    const id = r.decision_id ?? r.body?.decision_id;
    if (typeof id === 'string') ids.add(id);
  }
  return { records, ids };
}

describe('regent killed with SIGKILL under load', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-crash-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it(`keeps every answered decision's audit record across ${RUNS} kills, on a chain that verifies`, async () => {
    const bundle = await regoBundle();
    const trail = path.join(dir, 'trail.jsonl');
    const env = {
      REGENT_BUNDLE: bundle.file,
      REGENT_AUDIT_PATH: trail,
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '0',
    };
    const answered: string[] = [];
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < RUNS; run++) {
      const regent = await startRegentProcess(env);
      // The kill falls at a random moment after the first answer of this run, not after a fixed
      // time from start: on a loaded machine the first answers can take longer than any fixed
      // delay, and a run killed before any answer tests nothing.
      let firstAnswer = () => {};
      const answeredOnce = new Promise<void>((resolve) => (firstAnswer = resolve));
      let killed = false;
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; !killed; i++) {
          try {
            const res = await fetch(`${regent.url}/v1/decisions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: bodies[(c + i) % bodies.length] as string,
            });
            const body = (await res.json()) as { decision_id?: string };
            if (res.status === 200 && typeof body.decision_id === 'string') {
              answered.push(body.decision_id);
              firstAnswer();
            }
          } catch {
            return; // the process died mid-request: that decision was never answered
          }
        }
      });
      await Promise.race([answeredOnce, new Promise((r) => setTimeout(r, 20_000))]);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(rand() * 120)));
      await regent.stop('SIGKILL');
      killed = true;
      await Promise.all(clients);
    }
    // One more start repairs a torn tail left by the last kill, exactly as an operator's restart would.
    const last = await startRegentProcess(env);
    await last.stop('SIGTERM');
    const { records, ids } = await trailRecords(trail);
    const missing = answered.filter((id) => !ids.has(id));
    assert.equal(missing.length, 0, `${missing.length} answered decisions have no audit record, e.g. ${missing[0]}`);
    assert.ok(answered.length >= RUNS, `load reached the server (${answered.length} answers in ${RUNS} runs)`);
    const verdict = verifyTrail(records);
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    const torn = (await readdir(dir)).filter((f) => f.includes('.torn-'));
    for (const f of torn)
      assert.ok(!(await readFile(path.join(dir, f), 'utf8')).endsWith('\n'), `${f} holds only a partial record`);
  });
});
