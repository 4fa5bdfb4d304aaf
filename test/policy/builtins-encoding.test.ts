/**
 * hex.*, urlquery.*, base64url.encode_no_pad and strings.count: OPA's own cases through regent's
 * engine, and a table of further calls compared with `opa eval`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';
import { RegoNumber, RegoObject, RegoSet } from '../../src/policy/builtins/rego-value.ts';
import { evaluateRegoWithOpa, runRegoHost, type RegoCall, type RegoOutcome, wasmDisagreements } from './rego-oracle.ts';

describe("encoding builtins pass OPA's own cases through regent's engine", () => {
  let results: { note: string; problem: string | undefined }[] = [];
  before(async () => {
    results = await runCases(
      await loadOpaCases('base64urlbuiltins', 'hexbuiltins', 'urlbuiltins', 'strings/test-strings-0926.yaml'),
    );
  });
  it('agrees with every case', () => {
    assert.ok(results.length >= 20, `only ${results.length} cases found`);
    assert.deepEqual(
      results.filter((r) => r.problem !== undefined).map((r) => `${r.note}: ${r.problem ?? ''}`),
      [],
    );
  });
});

const CASES: BuiltinCase[] = [
  { note: 'encodes UTF-8 bytes', builtin: 'hex.encode', args: ['héllo ☃'] },
  { note: 'encodes the empty string', builtin: 'hex.encode', args: [''] },
  { note: 'decodes upper and lower case', builtin: 'hex.decode', args: ['48656C6c6f'] },
  { note: 'decodes to invalid UTF-8 as U+FFFD', builtin: 'hex.decode', args: ['ff00'] },
  { note: 'refuses an odd length', builtin: 'hex.decode', args: ['abc'], want: 'error' },
  { note: 'refuses a non-hex byte', builtin: 'hex.decode', args: ['zz'], want: 'error' },
  { note: 'refuses a number', builtin: 'hex.encode', args: [1], want: 'error' },
  { note: 'escapes what Go escapes', builtin: 'urlquery.encode', args: ["a b&c=d/e?f!'()*~-_.é"] },
  { note: 'unescapes + and %XX', builtin: 'urlquery.decode', args: ['a+b%26c%3Dd%2fe%C3%A9'] },
  { note: 'refuses a bad escape', builtin: 'urlquery.decode', args: ['100%zz'], want: 'error' },
  { note: 'refuses a truncated escape', builtin: 'urlquery.decode', args: ['100%2'], want: 'error' },
  { note: 'decodes repeated keys in order', builtin: 'urlquery.decode_object', args: ['a=1&b=2&a=3&&c&d='] },
  { note: 'refuses a semicolon', builtin: 'urlquery.decode_object', args: ['a=1;b=2'], want: 'error' },
  { note: 'refuses a bad escape in a query', builtin: 'urlquery.decode_object', args: ['a=%zz&b=1'], want: 'error' },
  { note: 'encodes base64url without padding', builtin: 'base64url.encode_no_pad', args: ['héllo?>'] },
  { note: 'counts non-overlapping matches', builtin: 'strings.count', args: ['aaaa', 'aa'] },
  { note: 'counts the empty string once per rune plus one', builtin: 'strings.count', args: ['h☃llo', ''] },
  { note: 'counts nothing in the empty string', builtin: 'strings.count', args: ['', 'a'] },
  { note: 'refuses a non-string substring', builtin: 'strings.count', args: ['a', 1], want: 'error' },
];

describe('encoding builtins agree with opa eval', () => {
  let fromOpa: Outcome[] = [];
  before(async () => {
    fromOpa = await evaluateWithOpa(CASES);
  });
  const host = createBuiltins().functions;
  for (const [i, c] of CASES.entries()) {
    it(`${c.builtin}: ${c.note}`, () => {
      const theirs = fromOpa[i];
      assert.equal(theirs?.kind, c.want ?? 'value', 'opa ends the call as the table says');
      const mine = runHost(host[c.builtin], c.args);
      if (mine.kind === 'error' && theirs.kind === 'error') return;
      assert.deepEqual(mine, theirs);
    });
  }
});

// urlquery.encode_object takes typed Rego values (OPA turns a set into its elements in sorted
// order; on the JSON path a set arrived in the wasm's hash order), so these go through the Rego
// oracle, sets included.
const object = (entries: Record<string, unknown>) => RegoObject.of(Object.entries(entries) as [string, never][]);
const ENCODE_OBJECT: RegoCall[] = [
  {
    note: 'encodes an object sorted by key',
    builtin: 'urlquery.encode_object',
    args: [object({ b: 'x y', a: ['1', '2'], '10': '', '2': 'z' })],
  },
  {
    note: "encodes a set's values in OPA's order",
    builtin: 'urlquery.encode_object',
    args: [object({ a: RegoSet.of(['zz', 'm', 'b', 'c']), b: 'x' })],
  },
  { note: 'encodes an empty set as nothing', builtin: 'urlquery.encode_object', args: [object({ a: RegoSet.of([]) })] },
  {
    note: 'refuses a non-string value',
    builtin: 'urlquery.encode_object',
    args: [object({ a: new RegoNumber('1') })],
  },
  {
    note: 'refuses a non-string in an array',
    builtin: 'urlquery.encode_object',
    args: [object({ a: ['1', new RegoNumber('2')] })],
  },
  {
    note: 'refuses a non-string in a set',
    builtin: 'urlquery.encode_object',
    args: [object({ a: RegoSet.of(['1', new RegoNumber('2')]) })],
  },
  { note: 'refuses a set operand', builtin: 'urlquery.encode_object', args: [RegoSet.of(['a'])] },
];

describe('urlquery.encode_object agrees with opa eval on typed values, sets included', () => {
  let opa: RegoOutcome[] = [];
  before(async () => {
    opa = await evaluateRegoWithOpa(ENCODE_OBJECT);
  });
  const host = createBuiltins();
  for (const [i, c] of ENCODE_OBJECT.entries()) {
    it(c.note, () => {
      const mine = runRegoHost(host, c);
      const theirs = opa[i];
      if (mine.kind === 'error' && theirs?.kind === 'error') return;
      assert.deepEqual(mine, theirs);
    });
  }

  it('gives the same values through the whole wasm path', async () => {
    assert.deepEqual(await wasmDisagreements(host, ENCODE_OBJECT), []);
  });
});
