/**
 * The evaluation pool's per-key queue: round-robin across keys, and the strikes that make a key a
 * suspect until it has been quiet. Pure: the clock is passed in, so nothing here depends on time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairQueue, UNKEYED } from '../../src/policy/evaluator/fair-queue.ts';

const QUIET_MS = 1000;
const job = (key: string, n: number) => ({ key, n });

describe('FairQueue', () => {
  it('serves keys round-robin: one job of each key with jobs queued before a second of any', () => {
    const q = new FairQueue<{ key: string; n: number }>(QUIET_MS);
    for (let n = 0; n < 3; n++) q.push(job('busy', n));
    q.push(job('single', 0));
    const taken = q.take(4, () => true).map((j) => `${j.key}-${j.n}`);
    assert.deepEqual(taken.slice(0, 2).sort(), ['busy-0', 'single-0']);
    assert.deepEqual(taken.slice(2), ['busy-1', 'busy-2']);
  });

  it('keeps a struck key a suspect until it has been quiet for the quiet period', () => {
    const q = new FairQueue<{ key: string; n: number }>(QUIET_MS);
    q.strike('k', 0);
    q.strike('k', 100);
    assert.equal(q.strikes('k', 100 + QUIET_MS - 1), 2);
    assert.equal(q.strikes('k', 100 + QUIET_MS), 0);
    assert.equal(q.strikes('other', 100), 0);
  });

  it('keeps a suspect whose job waited out its deadline for the lane: not quiet, strikes unchanged', () => {
    const q = new FairQueue<{ key: string; n: number }>(QUIET_MS);
    q.strike('k', 0);
    q.notQuiet('k', 900);
    assert.equal(q.strikes('k', 900 + QUIET_MS - 1), 1, 'still a suspect a quiet period after the wait');
    assert.equal(q.strikes('k', 900 + QUIET_MS), 0);
  });

  it('makes nobody a suspect by a wait alone: a key without strikes, or whose strikes lapsed, stays fresh', () => {
    const q = new FairQueue<{ key: string; n: number }>(QUIET_MS);
    q.notQuiet('fresh', 10);
    assert.equal(q.strikes('fresh', 11), 0);
    q.strike('lapsed', 0);
    q.notQuiet('lapsed', QUIET_MS);
    assert.equal(q.strikes('lapsed', QUIET_MS + 1), 0);
    q.strike(UNKEYED, 0);
    assert.equal(q.strikes(UNKEYED, 1), 0);
  });
});
