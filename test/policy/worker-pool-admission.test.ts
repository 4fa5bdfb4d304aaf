/**
 * Admission in the worker pool (issue 17, isolation): one agent's looping inputs delay only that
 * agent. Real workers, real OPA-built bundles (the slow fixture loops when `context.slow`; the
 * spin fixture runs `context.spin` squared comparisons, then allows).
 * Every check is on outcomes and on the order answers arrive in, never on how long they took:
 * the deadlines are generous so a loaded machine changes timings, not orders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { createEvaluator } from '../../src/policy/evaluator/create-evaluator.ts';
import type { EvaluatorOptions } from '../../src/policy/evaluator/evaluator.ts';
import { WorkerPoolEvaluator, lanePauseMs } from '../../src/policy/evaluator/worker-pool.ts';
import { PolicyEvaluationError } from '../../src/errors/policy-errors.ts';
import { faultBundle } from '../support/bundles.ts';

const FAST = JSON.stringify({ context: {} });
const SLOW = JSON.stringify({ context: { slow: true } });
const ENTRY = 'regent/decision';
/** Spins for about half a second on an idle core (the spin fixture: 700² comparisons), then allows. */
const SPIN = JSON.stringify({ context: { spin: 700 } });
/** Four times SPIN's work: still running when a SPIN started with it has finished, however loaded the machine. */
const LONG_SPIN = JSON.stringify({ context: { spin: 1400 } });
/** Answer deadline: generous, so a loaded machine changes timings, not outcomes. */
const DEADLINE_MS = 3000;
/** A suspect key's run limit: far below the deadline, so which is cut off first is not close. */
const SUSPECT_LIMIT_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A thread's nice value as the kernel reports it (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceOf(tid: number | undefined): number {
  assert.ok(tid !== undefined, 'the worker reported its thread id');
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

async function startPool(extra: Partial<EvaluatorOptions> = {}, fixture = 'slow'): Promise<WorkerPoolEvaluator> {
  const bundle = await readBundle(await readFile((await faultBundle(fixture)).file));
  const pool = await createEvaluator(bundle, {
    workers: 2,
    timeoutMs: DEADLINE_MS,
    maxQueue: 10_000,
    maxMemoryPages: 1024,
    recycleAboveBytes: 1 << 30,
    suspectRunLimitMs: SUSPECT_LIMIT_MS,
    keyQuietMs: 600_000,
    ...extra,
  });
  assert.ok(pool instanceof WorkerPoolEvaluator);
  return pool;
}

/** Asks for evaluations and records, in `order`, the label of each as it settles. */
function recorder(pool: WorkerPoolEvaluator) {
  const order: string[] = [];
  const ask = async (label: string, key: string, json: string): Promise<string> => {
    let outcome: string;
    try {
      outcome = ((await pool.evaluate(ENTRY, json, undefined, key)) as { decision: string }).decision;
    } catch (err) {
      outcome = err instanceof PolicyEvaluationError ? err.reasonCode : `thrown: ${String(err)}`;
    }
    order.push(label);
    return outcome;
  };
  return { order, ask };
}

describe('worker pool admission: a key holding both workers', () => {
  let pool: WorkerPoolEvaluator;
  before(async () => {
    // Evaluations that take a while and then finish: no deadline and no replaced worker involved.
    pool = await startPool({ timeoutMs: 60_000 }, 'spin');
  });
  after(async () => pool.close());

  it('dispatches a fast key’s job before the slow key’s queued jobs while the slow key holds both workers', async () => {
    const { order, ask } = recorder(pool);
    // Asked together, they take one worker each: nothing tells a fresh key apart before it runs.
    // slow-1 runs four times longer, so when slow-2 frees its worker the key is still running long
    // (two equal spins end within a few ms of each other, and then neither is running any more).
    const holding = [ask('slow-1', 'heavy', LONG_SPIN), ask('slow-2', 'heavy', SPIN)];
    await new Promise((r) => setImmediate(r));
    // Queued in this order; one FIFO would hand the freed workers to slow-3 and slow-4 first.
    const queued = [ask('slow-3', 'heavy', SPIN), ask('slow-4', 'heavy', SPIN), ask('fast', 'light', FAST)];
    assert.deepEqual(await Promise.all([...holding, ...queued]), Array<string>(5).fill('allow'));
    assert.ok(order.indexOf('fast') < order.indexOf('slow-3'), `settled in order ${order.join(', ')}`);
    assert.ok(order.indexOf('fast') < order.indexOf('slow-4'), `settled in order ${order.join(', ')}`);
    assert.equal(pool.recycled(), 0);
  });
});

describe('worker pool admission', () => {
  let pool: WorkerPoolEvaluator;
  before(async () => {
    pool = await startPool();
  });
  after(async () => pool.close());

  it('makes a key whose loop was cut off a suspect, and no other key', async () => {
    await assert.rejects(pool.evaluate(ENTRY, SLOW, undefined, 'looper'), {
      reasonCode: 'policy.evaluation_timeout',
    });
    for (let i = 0; i < 500 && !pool.admission('looper').suspect; i++) await sleep(10);
    assert.equal(pool.admission('looper').suspect, true);
    assert.equal(pool.admission('quiet').suspect, false);
  });

  it('lets a suspect key hold one worker at most: another key’s job is answered before its first loop ends', async () => {
    await pool.whenReady();
    const { order, ask } = recorder(pool);
    const loops = [ask('loop-1', 'looper', SLOW), ask('loop-2', 'looper', SLOW)];
    await new Promise((r) => setImmediate(r));
    const fast = ask('fast', 'quiet', FAST);
    assert.equal(await fast, 'allow');
    assert.deepEqual(await Promise.all(loops), ['policy.evaluation_timeout', 'policy.evaluation_timeout']);
    assert.deepEqual(order, ['fast', 'loop-1', 'loop-2']);
  });

  it('cuts a suspect key’s loop off at its shorter run limit, before a fresh key’s loop started with it', async () => {
    await pool.whenReady();
    const { order, ask } = recorder(pool);
    const outcomes = await Promise.all([ask('suspect', 'looper', SLOW), ask('fresh', 'newcomer', SLOW)]);
    assert.deepEqual(outcomes, ['policy.evaluation_timeout', 'policy.evaluation_timeout']);
    assert.deepEqual(order, ['suspect', 'fresh']);
  });

  it('bounds a fresh key while its loop runs: its next job waits, another key’s goes to the free worker', async () => {
    await pool.whenReady();
    const { order, ask } = recorder(pool);
    const first = ask('loop-1', 'another-looper', SLOW);
    await sleep(DEADLINE_MS / 4);
    const second = ask('loop-2', 'another-looper', SLOW);
    await new Promise((r) => setImmediate(r));
    const fast = ask('fast', 'quiet', FAST);
    assert.deepEqual(await Promise.all([first, second, fast]), [
      'policy.evaluation_timeout',
      'policy.evaluation_timeout',
      'allow',
    ]);
    assert.equal(order[0], 'fast', `settled in order ${order.join(', ')}`);
  });

  it('serves keys round-robin: a key with a long queue does not stand in front of a key with one job', async () => {
    await pool.whenReady();
    const { order, ask } = recorder(pool);
    // Hold one worker so the queue forms; the other takes the queue one chunk at a time.
    const hold = ask('hold', 'holder', SLOW);
    await sleep(DEADLINE_MS / 4);
    const many = Array.from({ length: 200 }, (_, i) => ask(`busy-${i}`, 'busy', FAST));
    const one = ask('one', 'single', FAST);
    assert.equal(await one, 'allow');
    assert.ok((await Promise.all(many)).every((o) => o === 'allow'));
    // The single key's job leaves in the first chunk after the burst's first.
    assert.ok(order.indexOf('one') < 100, `single key's job settled at position ${order.indexOf('one')}`);
    assert.equal(await hold, 'policy.evaluation_timeout');
  });
});

describe('worker pool admission: the penalty lane', () => {
  it('runs a suspect key’s jobs on the penalty lane’s own worker, at nice 19, never on the shared workers', async () => {
    const pool = await startPool();
    try {
      await assert.rejects(pool.evaluate(ENTRY, SLOW, undefined, 'looper'), {
        reasonCode: 'policy.evaluation_timeout',
      });
      // The answer deadline can end the wait a moment before the run limit cuts the worker off.
      for (let i = 0; i < 500 && !pool.admission('looper').suspect; i++) await sleep(10);
      await pool.whenReady();
      const before = pool.threads();
      const lane = before.filter((t) => t.lane).map((t) => t.thread?.tid);
      const shared = before.filter((t) => !t.lane).map((t) => t.thread?.tid);
      assert.equal(lane.length, 1, 'one lane worker, started at the first cut-off');
      assert.equal(shared.length, 2);
      // What the kernel says, not what the worker reported: the lane alone is lowered.
      assert.equal(niceOf(lane[0]), 19);
      for (const tid of shared) assert.equal(niceOf(tid), niceOf(process.pid));
      await assert.rejects(pool.evaluate(ENTRY, SLOW, undefined, 'looper'), {
        reasonCode: 'policy.evaluation_timeout',
      });
      // The lane is down for a moment after a cut-off (the backoff), then back with a new thread,
      // which starts at nice 19: on a busy machine that can take seconds, so wait for it (a job
      // asked meanwhile would wait too, and could meet its deadline first).
      for (let i = 0; i < 6000 && !pool.threads().some((t) => t.lane); i++) await sleep(10);
      await pool.whenReady();
      assert.deepEqual(
        await pool.evaluate(ENTRY, FAST, undefined, 'looper'),
        { decision: 'allow', reasons: [] },
        "the suspect's ordinary input is answered on the new lane",
      );
      const after = pool.threads();
      // The cut-off replaced the lane's worker (a new thread, lowered again) and no shared one.
      assert.deepEqual(
        after.filter((t) => !t.lane).map((t) => t.thread?.tid),
        shared,
      );
      const [newLane] = after.filter((t) => t.lane).map((t) => t.thread?.tid);
      assert.notEqual(newLane, lane[0]);
      assert.equal(niceOf(newLane), 19);
    } finally {
      await pool.close();
    }
  });
});

describe('worker pool admission: the lane restarts', () => {
  it('waits longer after each cut-off of the lane in a row, up to a second', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map(lanePauseMs), [100, 200, 400, 800, 1000, 1000, 1000]);
  });
});

describe('worker pool admission: recovery', () => {
  it('lets a key out of the penalty lane once it has been quiet for keyQuietMs', async () => {
    const pool = await startPool({ timeoutMs: 500, suspectRunLimitMs: 100, keyQuietMs: 400 });
    try {
      await assert.rejects(pool.evaluate(ENTRY, SLOW, undefined, 'k'), { reasonCode: 'policy.evaluation_timeout' });
      for (let i = 0; i < 500 && pool.admission('k').strikes === 0; i++) await sleep(10);
      assert.deepEqual(pool.admission('k'), { strikes: 1, suspect: true, queued: 0 });
      await sleep(600);
      assert.deepEqual(pool.admission('k'), { strikes: 0, suspect: false, queued: 0 });
      assert.deepEqual(await pool.evaluate(ENTRY, FAST, undefined, 'k'), { decision: 'allow', reasons: [] });
    } finally {
      await pool.close();
    }
  });
});
