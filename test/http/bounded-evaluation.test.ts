/**
 * Bounded evaluation: a pathological evaluation is cut off at its deadline and denied with
 * policy.evaluation_timeout, while /health/live and other decisions keep flowing, and the worker
 * that ran it is replaced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faultBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const base = { agent: { id: 'a' }, action: { tool: 't', kind: 'read' } };
/**
 * Long enough that a blocked event loop (which would hold every probe for the whole evaluation)
 * cannot be mistaken for a slow machine: probes must answer within a quarter of it.
 */
const EVAL_TIMEOUT_MS = 2000;

describe('bounded evaluation', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({
      bundlePath: (await faultBundle('slow')).file,
      evaluationTimeoutMs: EVAL_TIMEOUT_MS,
      evalWorkers: 2,
    });
  });
  after(async () => server.close());

  it('denies a pathological evaluation with policy.evaluation_timeout while /health/live keeps answering', async () => {
    const started = Date.now();
    const slow = server.post('/v1/decisions', { ...base, context: { slow: true } });
    const liveTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const live = await server.get('/health/live');
      liveTimes.push(performance.now() - t);
      assert.equal(live.status, 200);
      await new Promise((r) => setTimeout(r, 30));
    }
    // Another agent: admission (src/policy/evaluator/fair-queue.ts) keeps the slow agent to one
    // worker while its evaluation runs long, so the other worker serves everyone else.
    const fast = await server.post('/v1/decisions', { ...base, agent: { id: 'b' } });
    assert.equal(fast.body.decision, 'allow', 'the other worker keeps deciding');
    const res = await slow;
    const elapsed = Date.now() - started;
    assert.equal(res.body.decision, 'deny');
    assert.deepEqual(
      res.body.reasons.map((r: { code: string }) => r.code),
      ['policy.evaluation_timeout'],
    );
    assert.ok(elapsed >= EVAL_TIMEOUT_MS - 10 && elapsed < 10 * EVAL_TIMEOUT_MS, `answered after ${elapsed} ms`);
    const slowest = Math.max(...liveTimes);
    assert.ok(slowest < EVAL_TIMEOUT_MS / 4, `/health/live took ${slowest.toFixed(1)} ms`);
    // The answer's deadline counts from the request, the worker's run limit from when the worker
    // started the evaluation: on a loaded machine that start comes later, so the deny can be
    // answered a little before the worker is replaced. Wait for it, within a generous bound.
    const evaluator = server.regent.policies.current()?.evaluator;
    for (let i = 0; i < 200 && evaluator?.recycled() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(evaluator?.recycled(), 1);
  });

  it('keeps deciding normally after the timed-out worker is replaced', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await server.post('/v1/decisions', base);
      assert.equal(res.body.decision, 'allow');
    }
    assert.match(
      (await server.get('/metrics')).text,
      /regent_fail_closed_total\{code="policy\.evaluation_timeout"\} 1/,
    );
  });
});
