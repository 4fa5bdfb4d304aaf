/**
 * The conformance gate (issue 17): every case of OPA's own conformance suite, from the pinned OPA
 * module, compiled with regent's capabilities and run through regent's bundle reader, WasmEngine
 * and builtins (see conformance-runner.ts). A case that does not pass and is not on the
 * checked-in list of known differences (conformance-known.json), in the listed category, fails
 * the test; a listed case that now passes is reported so the list shrinks
 * (`node test/policy/conformance-cli.ts --write-known` rewrites it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithKnown, readKnown, summarize } from './conformance-known.ts';
import { loadCases, runConformance, type ConformanceCase } from './conformance-runner.ts';

describe("OPA's conformance cases through regent", () => {
  it('passes every case off the known-differences list', async (t) => {
    const started = process.hrtime.bigint();
    const cases = await loadCases();
    assert.ok(cases.length > 2000, `only ${cases.length} cases were found in the OPA module`);
    const outcomes = await runConformance(cases);
    const report = compareWithKnown(outcomes, await readKnown());
    t.diagnostic(summarize(outcomes, Number(process.hrtime.bigint() - started) / 1e9));
    for (const line of report.nowPassing) t.diagnostic(`now passes, remove from conformance-known.json: ${line}`);
    assert.deepEqual(report.unexpected, [], 'cases outside test/policy/conformance-known.json failed');
  });

  it('fails a case whose result differs from what it wants, and one that errors when a value is wanted', async () => {
    const all = await loadCases();
    const base = all.find((c) => c.name === 'aggregates/count');
    assert.ok(base !== undefined);
    const wrong: ConformanceCase = { ...base, name: 'wrong value', want_result: [{ x: [{ $number: '5' }] }] };
    const conflict = all.find((c) => c.want_error_code === 'eval_conflict_error' && c.builtins.length <= 2);
    assert.ok(conflict !== undefined);
    const { want_error_code: _code, want_error: _message, ...rest } = conflict;
    const erroring: ConformanceCase = { ...rest, name: 'error instead of a value', want_result: [] };
    const outcomes = await runConformance([base, wrong, erroring]);
    assert.equal(outcomes.get(base.name)?.status, 'pass');
    assert.equal(outcomes.get('wrong value')?.status, 'wasm_difference');
    assert.equal(outcomes.get('error instead of a value')?.status, 'wasm_difference');
  });
});
