/**
 * The worker pool's two bounds, on real workers running a real OPA-built wasm bundle: an answer
 * already computed is never turned into a timeout because the HTTP thread was busy, a burst is
 * answered in full without recycling anyone, and a stuck evaluation costs only itself, even to
 * the jobs before it whose answers its worker still holds.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { createEvaluator } from '../../src/policy/evaluator/create-evaluator.ts';
import type { Evaluator } from '../../src/policy/evaluator/evaluator.ts';
import { MAX_CHUNK } from '../../src/policy/evaluator/worker-pool.ts';
import { PolicyEvaluationError } from '../../src/errors/policy-errors.ts';
import { faultBundle } from '../support/bundles.ts';

const FAST = JSON.stringify({ context: {} });
const SLOW = JSON.stringify({ context: { slow: true } });
const ENTRY = 'regent/decision';
/**
 * The answer deadline. Generous on purpose: on a loaded 2-core machine a fast evaluation can wait
 * tens of milliseconds for a core, and these tests check which job is cut off, not how fast.
 */
const DEADLINE_MS = 1000;

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the HTTP thread is busy: no events, no timers */
  }
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    const value = (await p) as { decision: string };
    return value.decision;
  } catch (err) {
    return err instanceof PolicyEvaluationError ? err.reasonCode : `thrown: ${String(err)}`;
  }
}

describe('worker pool', () => {
  let pool: Evaluator;
  before(async () => {
    const bundle = await readBundle(await readFile((await faultBundle('slow')).file));
    pool = await createEvaluator(bundle, {
      workers: 2,
      timeoutMs: DEADLINE_MS,
      maxQueue: 10_000,
      maxMemoryPages: 1024,
      recycleAboveBytes: 1 << 30,
    });
  });
  after(async () => pool.close());

  it('does not time out an answer that arrived while the calling thread was busy past the deadline', async () => {
    const answers = Array.from({ length: 8 }, () => pool.evaluate(ENTRY, FAST));
    // Let the jobs reach the workers, then hog this thread for longer than the deadline: the
    // answers arrive meanwhile, and the deadline timers fire before their messages are read.
    await new Promise((r) => setImmediate(r));
    busyWait(2 * DEADLINE_MS);
    assert.deepEqual(await Promise.all(answers.map(outcome)), Array<string>(8).fill('allow'));
    assert.equal(pool.recycled(), 0, 'no worker was replaced for the queue’s sake');
  });

  it('answers a burst far larger than a chunk in full, in order, without recycling', async () => {
    const n = MAX_CHUNK * 40;
    const answers = await Promise.all(Array.from({ length: n }, () => outcome(pool.evaluate(ENTRY, FAST))));
    assert.equal(answers.filter((a) => a === 'allow').length, n);
    assert.equal(pool.recycled(), 0);
  });

  it('cuts off only the stuck evaluation: the jobs queued behind it in its chunk go to the other worker', async () => {
    await pool.whenReady();
    const before = pool.recycled();
    // One tick, one chunk per worker: the first worker gets SLOW and the two after it.
    const jobs = [SLOW, FAST, FAST, FAST, FAST, FAST].map((json) => outcome(pool.evaluate(ENTRY, json)));
    const answers = await Promise.all(jobs);
    assert.deepEqual(answers, ['policy.evaluation_timeout', 'allow', 'allow', 'allow', 'allow', 'allow']);
    // The answer deadline counts from the ask and the run limit from the start, so the worker is
    // replaced a moment after the deny.
    for (let i = 0; i < 500 && pool.recycled() === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.recycled(), before + 1, 'the stuck worker, and only it, was replaced');
    assert.equal(await outcome(pool.evaluate(ENTRY, FAST)), 'allow');
  });

  it('answers a job finished just before a stuck one, though the stuck worker still holds its answer', async () => {
    // The worker replaced by the test before must have started, or both chunks land on one worker.
    await pool.whenReady();
    const before = pool.recycled();
    // The first worker's chunk is FAST, SLOW, FAST: it finishes the first FAST within
    // HOLD_REPLIES_MS, so it still holds that answer when SLOW starts and never sends it.
    const jobs = [FAST, SLOW, FAST, FAST, FAST, FAST].map((json) => outcome(pool.evaluate(ENTRY, json)));
    assert.deepEqual(await Promise.all(jobs), [
      'allow',
      'policy.evaluation_timeout',
      'allow',
      'allow',
      'allow',
      'allow',
    ]);
    for (let i = 0; i < 500 && pool.recycled() === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.recycled(), before + 1);
  });
});
