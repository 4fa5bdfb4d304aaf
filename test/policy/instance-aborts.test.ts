/**
 * No poisoned instance (issue 17): an evaluation that aborts inside the wasm (opa_abort from a
 * wasm builtin or a rule conflict, growth past the memory ceiling, a host builtin failing in
 * strict mode) discards its instance, and the next decision on the same evaluator is answered by
 * the policy. Before, one such abort left the instance's heap half-updated and later evaluations
 * failed with `memory access out of bounds` until restart. Run on both evaluators.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { PolicyEvaluationError } from '../../src/errors/policy-errors.ts';
import { readBundle, type Bundle } from '../../src/policy/bundle/read-bundle.ts';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { createEvaluator } from '../../src/policy/evaluator/create-evaluator.ts';
import { WasmEngine, jsonToInputBuffer } from '../../src/policy/wasm-engine.ts';
import type { Evaluator } from '../../src/policy/evaluator/evaluator.ts';
import { faultBundle } from '../support/bundles.ts';

const ENTRY = 'regent/decision';
const THRESHOLD = 5;

/** The ways an evaluation aborts inside the wasm; each `n` is the fault's operand. */
const ABORTS = [
  { note: 'format_int of a number past int32 (the wasm builtin calls opa_abort)', kind: 'format_int', n: 2 ** 31 + 5 },
  { note: 'two complete definitions of one rule disagree (opa_abort)', kind: 'conflict', n: true },
  { note: 'growth past the memory ceiling', kind: 'memory', n: 1 },
  { note: 'a host builtin failing with strict builtin errors', kind: 'builtin', n: 'not a time', strict: true },
] as const;

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await p);
  } catch (err) {
    return err instanceof PolicyEvaluationError ? err.reasonCode : `thrown: ${String(err)}`;
  }
}

/** A valid input of varying size, so the heap after an abort is exercised at different offsets. */
function valid(i: number): string {
  return JSON.stringify({
    kind: 'ok',
    n: { i, pad: 'y'.repeat((i * 7919) % 20_000), list: Array.from({ length: i % 150 }, (_, j) => ({ j })) },
  });
}

for (const workers of [0, 2]) {
  describe(`after an evaluation aborts inside the wasm (${workers === 0 ? 'inline' : 'worker pool'})`, () => {
    let bundle: Bundle;
    let evaluator: Evaluator;
    before(async () => {
      bundle = await readBundle(await readFile((await faultBundle('abort-kinds')).file));
      evaluator = await createEvaluator(bundle, {
        workers,
        timeoutMs: 30_000,
        maxQueue: 10_000,
        maxMemoryPages: 64,
        recycleAboveBytes: 1 << 30,
        unreadyAfterAborts: THRESHOLD,
      });
    });
    after(async () => evaluator.close());

    for (const fault of ABORTS) {
      it(`answers the next decisions by the policy: ${fault.note}`, async () => {
        const options = 'strict' in fault ? { strictBuiltinErrors: fault.strict } : undefined;
        const bad = JSON.stringify({ kind: fault.kind, n: fault.n });
        // Interleaved, sequentially: every good evaluation follows an abort on the same instance.
        for (let i = 0; i < 20; i++) {
          const failed = await outcome(evaluator.evaluate(ENTRY, bad, options));
          assert.match(failed, /^policy\./, `${fault.kind} aborts (round ${i})`);
          const answered = await outcome(evaluator.evaluate(ENTRY, valid(i)));
          assert.equal(
            (JSON.parse(answered) as { decision: string; echo: { i: number } }).echo.i,
            i,
            `round ${i} answered`,
          );
        }
        assert.equal(evaluator.health().ready, true, 'every abort was followed by a completed evaluation');
      });
    }

    it('keeps answering through the sequence that poisoned the old engine (512 conflicts, out of bounds at 1534)', async () => {
      const bad = JSON.stringify({ kind: 'conflict', n: true });
      const failures: string[] = [];
      for (let i = 0; i < 1600; i++) {
        if (i % 3 === 0) {
          await outcome(evaluator.evaluate(ENTRY, bad));
          continue;
        }
        const n = { pad: 'y'.repeat((i * 7919) % 50_000), list: Array.from({ length: i % 200 }, (_, j) => ({ j })) };
        const answered = await outcome(evaluator.evaluate(ENTRY, JSON.stringify({ kind: 'ok', n })));
        if (!answered.startsWith('{')) failures.push(`${i}: ${answered}`);
      }
      assert.deepEqual(failures, []);
    });

    it('reports not-ready after a run of aborts with nothing completed, and ready again after one', async () => {
      const bad = JSON.stringify({ kind: 'conflict', n: true });
      await evaluator.evaluate(ENTRY, valid(0));
      for (let i = 0; i < THRESHOLD; i++) await outcome(evaluator.evaluate(ENTRY, bad));
      const unready = evaluator.health();
      assert.equal(unready.ready, false);
      assert.equal(unready.consecutiveAborts, THRESHOLD);
      assert.match(unready.reason ?? '', /aborted \(last: policy\.evaluation_error\)/);
      await evaluator.evaluate(ENTRY, valid(1));
      assert.deepEqual({ ...evaluator.health(), aborts: 0 }, { ready: true, aborts: 0, consecutiveAborts: 0 });
    });

    it('does not count an undefined result or a non-strict builtin error as an abort', async () => {
      const before = evaluator.health().aborts;
      assert.equal(
        await outcome(evaluator.evaluate(ENTRY, JSON.stringify({ kind: 'none' }))),
        'policy.undefined_result',
      );
      const builtin = JSON.stringify({ kind: 'builtin', n: 'not a time' });
      assert.equal(await outcome(evaluator.evaluate(ENTRY, builtin)), 'policy.undefined_result');
      assert.equal(evaluator.health().aborts, before);
    });
  });
}

describe('wasm engine instances', () => {
  it('replaces the instance after each abort, and never after a completed evaluation', async () => {
    const bundle = await readBundle(await readFile((await faultBundle('abort-kinds')).file));
    const engine = await WasmEngine.load(bundle, { maxMemoryPages: 64, builtins: createBuiltins() });
    const initialBytes = engine.memoryBytes;
    engine.evaluate(ENTRY, jsonToInputBuffer(valid(3)));
    assert.equal(engine.replaced, 0);
    assert.throws(() => engine.evaluate(ENTRY, jsonToInputBuffer(JSON.stringify({ kind: 'memory', n: 1 }))), {
      reasonCode: 'policy.memory_exceeded',
    });
    assert.equal(engine.replaced, 1);
    assert.equal(engine.memoryBytes, initialBytes, 'the fresh instance starts from the initial memory');
    assert.deepEqual(engine.health(), {
      aborts: 1,
      consecutiveAborts: 1,
      builtinErrors: 0,
      lastAbort: 'policy.memory_exceeded',
    });
    engine.evaluate(ENTRY, jsonToInputBuffer(valid(4)));
    assert.equal(engine.health().consecutiveAborts, 0);
  });
});
