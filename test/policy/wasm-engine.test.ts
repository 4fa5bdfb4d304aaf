/**
 * regent's own run of the opa-wasm fast path (WasmEngine.evaluateText), on a real OPA-built
 * bundle: it answers like the SDK's evaluate, grows the wasm memory for an input larger than the
 * instance, turns an input past the memory ceiling into policy.memory_exceeded, and the instance
 * keeps answering afterwards.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyEvaluationError } from '../../src/errors/policy-errors.ts';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { readBundle, type Bundle } from '../../src/policy/bundle/read-bundle.ts';
import { WasmEngine, jsonToInputBuffer, resultFromText } from '../../src/policy/wasm-engine.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { buildInput } from '../../src/decision/build-input.ts';
import { regoBundle } from '../support/bundles.ts';

const ENTRY = 'regent/decision';
const PAGES = 64; // 4 MiB ceiling

/** The policy input regent builds for an example request (no session, no findings). */
function inputOf(request: unknown): string {
  return JSON.stringify(
    buildInput(request as Parameters<typeof buildInput>[0], undefined, { detected: [], complete: true }, undefined),
  );
}

describe('wasm engine fast path', () => {
  let bundle: Bundle;
  let engine: WasmEngine;
  before(async () => {
    bundle = await readBundle(await readFile((await regoBundle()).file));
    engine = await WasmEngine.load(bundle, { maxMemoryPages: PAGES, builtins: createBuiltins() });
  });

  it('gives the same result set as the SDK evaluate, as text', async () => {
    const sdk = await loadPolicy(bundle.wasm, { initial: 5, maximum: PAGES }, createBuiltins().functions);
    sdk.setData(bundle.data);
    for (const [name, request] of Object.entries(EXAMPLES)) {
      const input = jsonToInputBuffer(inputOf(request));
      const text = engine.evaluateText(ENTRY, input);
      assert.deepEqual(JSON.parse(text), sdk.evaluate(input, ENTRY), name);
      assert.deepEqual(resultFromText(ENTRY, text), engine.evaluate(ENTRY, input), name);
    }
  });

  it('grows memory for a large input, refuses one past the ceiling, and keeps answering', () => {
    const request = EXAMPLES.redact as { payload?: unknown };
    const small = jsonToInputBuffer(inputOf(request));
    const expected = engine.evaluate(ENTRY, small);
    const before = engine.memoryBytes;

    // 1 MiB of payload: more than the instance has, well under the ceiling.
    const large = jsonToInputBuffer(inputOf({ ...request, payload: { note: 'x'.repeat(1 << 20) } }));
    assert.ok(large.byteLength > before, 'the input is larger than the instance was');
    const decided = engine.evaluate(ENTRY, large) as { decision: string };
    assert.ok(['allow', 'deny', 'redact'].includes(decided.decision));
    assert.ok(engine.memoryBytes > before, 'memory grew for it');

    const huge = jsonToInputBuffer(inputOf({ ...request, payload: { note: 'x'.repeat(PAGES * 64 * 1024) } }));
    assert.throws(
      () => engine.evaluate(ENTRY, huge),
      (err: unknown) => err instanceof PolicyEvaluationError && err.reasonCode === 'policy.memory_exceeded',
    );
    assert.deepEqual(engine.evaluate(ENTRY, small), expected, 'the instance still answers');
  });

  it('reads an undefined or unreadable result set as a policy error', () => {
    assert.throws(
      () => resultFromText(ENTRY, '[]'),
      (err: unknown) => err instanceof PolicyEvaluationError && err.reasonCode === 'policy.undefined_result',
    );
    assert.throws(
      () => resultFromText(ENTRY, '[{"x":1}]'),
      (err: unknown) => err instanceof PolicyEvaluationError && err.reasonCode === 'policy.invalid_result',
    );
    assert.throws(
      () => resultFromText(ENTRY, '[{"result":'),
      (err: unknown) => err instanceof PolicyEvaluationError && err.reasonCode === 'policy.invalid_result',
    );
  });
});
