/**
 * Builtins the pinned opa compiles into the wasm but opa-wasm's capabilities.json omits
 * (WASM_NATIVE_BUILTINS): regent's capabilities admit them, and OPA's own cases for them pass
 * through regent's engine except where the wasm target knowingly differs: a type error in a
 * wasm-native builtin is undefined rather than an error, and a set (object.keys' result) is
 * listed in the wasm's order rather than sorted.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildCapabilities, WASM_NATIVE_BUILTINS } from '../../src/policy/capabilities.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';

const FILES = [
  'array/flatten.yaml',
  'array/test-array-0052.yaml',
  'strings/test-strings-0924.yaml',
  'objectkeys/test-objectkeys.yaml',
  'objectunionn/test-objectunionn-0001.yaml',
];

/** The wasm target's known differences in these files, each with its class. */
const KNOWN: Readonly<Record<string, string>> = {
  'array/flatten type error': 'type error is undefined',
  'array/reverse_object_error': 'type error is undefined',
  'strings/reverse_number_error': 'type error is undefined',
  'strings/reverse_object_error': 'type error is undefined',
  'objectkeys/error_on_non_object': 'type error is undefined',
  '# 5073 regression test': 'type error is undefined',
  'objectkeys/string_keys_found': 'set order',
  'objectkeys/set_keys_found': 'set order',
  'objectkeys/array_keys_found': 'set order',
};

describe('wasm-native builtins beyond the SDK list', () => {
  let results: { note: string; problem: string | undefined }[] = [];
  before(async () => {
    results = await runCases(await loadOpaCases(...FILES));
  });

  it('are admitted by the capabilities regent builds with', async () => {
    const names = new Set((await buildCapabilities()).builtins.map((b) => b.name));
    assert.deepEqual(
      WASM_NATIVE_BUILTINS.filter((n) => !names.has(n)),
      [],
    );
  });

  it("pass OPA's own cases except the wasm target's known differences", () => {
    assert.ok(results.length >= 25, `only ${results.length} cases found`);
    const differing = results.filter((r) => r.problem !== undefined).map((r) => r.note);
    assert.deepEqual(differing.sort(), Object.keys(KNOWN).sort());
  });
});
