/**
 * sprintf is Go's fmt.Sprintf over OPA's argument typing (issue 17: `sprintf("%v", [["read",
 * "write"]])` printed `read,write`). Generated formats (flags, width, precision, every verb) over
 * integers, big integers, floats written with `.`/`e`, strings, booleans, null, arrays and
 * objects, each checked against `opa eval`; and the builtin as the wasm calls it, on the text of
 * `opa_value_dump`. Sets print as sets (`{"a", "b"}`, `set()`, in OPA's order), objects with
 * keys of any type as OPA prints them: generated values with sets against `opa eval` and through
 * the whole wasm path.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { rawJson } from '../../src/policy/builtins/json-numbers.ts';
import { RegoNumber, RegoObject, RegoSet, type RegoValue } from '../../src/policy/builtins/rego-value.ts';
import { evaluateWithOpa, exactStringify, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { evaluateRegoWithOpa, runRegoHost, type RegoCall, type RegoOutcome, wasmDisagreements } from './rego-oracle.ts';

const SEED = Number(process.env['BUILTINS_SEED'] ?? 20_261_207);

const FLOAT_TEXTS = [
  '1.0',
  '0.5',
  '-2.25',
  '1e3',
  '1.5e-7',
  '123456.789',
  '1e21',
  '0.125',
  '2.5',
  '1e300',
  '3.14159',
  '100.0',
  '-0.0',
  '1234567.0',
  '0.000012345',
  '9.999999e5',
];
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constantFrom(...FLOAT_TEXTS).map((t) => rawJson(t)),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('héllo', '日本', 'a"b', 'tab\there', 'line\nbreak', '😀', '', 'A'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -9, max: 99 }), fc.constantFrom('x', 'ü', 'q"')), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('b', 'a', 'é', 'Z'), fc.oneof(fc.integer({ min: 0, max: 9 }), fc.boolean()), {
    maxKeys: 3,
  }),
);
const directive = fc
  .tuple(
    fc.constantFrom('', '', '-', '+', '#', '0', ' ', '-0', '+0', '# '),
    fc.constantFrom('', '', '', '5', '12', '1'),
    fc.constantFrom('', '', '', '.0', '.2', '.10', '.'),
    fc.constantFrom(...Array.from('vvvvddssffeEgGqxXobtTcU')),
  )
  .map((parts) => '%' + parts.join(''));
const segment = fc.oneof(directive, directive, fc.constantFrom('', ' ', 'id=', '%%', ' / '));
const sprintfCases = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.integer({ min: -1, max: 1 }))
  .chain(([segments, extra]) => {
    const format = segments.join('');
    const wanted = Math.max(0, segments.filter((s) => s.startsWith('%') && s !== '%%').length + extra);
    return fc.array(value, { minLength: wanted, maxLength: wanted }).map((args) => ({ format, args }));
  });

const CASES: BuiltinCase[] = [
  { note: 'issue 17: nested array', builtin: 'sprintf', args: ['%v', [['read', 'write']]] },
  { note: 'object', builtin: 'sprintf', args: ['%v', [{ b: 1, a: [true, null] }]] },
  { note: 'big integer', builtin: 'sprintf', args: ['%d %v %s %x', [2n ** 80n, 2n ** 80n, 2n ** 80n, 2n ** 80n]] },
  {
    note: '1.0 is a float, 1 an int',
    builtin: 'sprintf',
    args: ['%v %d %v %d', [rawJson('1.0'), rawJson('1.0'), 1, 1]],
  },
  { note: 'missing and extra', builtin: 'sprintf', args: ['%d %s', [1]] },
  { note: 'extra', builtin: 'sprintf', args: ['%d', [1, 'a', rawJson('2.5')]] },
  {
    note: 'argument index and star',
    builtin: 'sprintf',
    args: ['%[2]d %[1]s %*d|%-*d|%.*f', ['x', 7, 5, 3, -4, 9, 2, rawJson('3.14159')]],
  },
  { note: 'no verb', builtin: 'sprintf', args: ['abc%', []] },
  ...fc.sample(sprintfCases, { seed: SEED, numRuns: 500 }).map((c, i) => ({
    note: `generated #${i}`,
    builtin: 'sprintf',
    args: [c.format, c.args],
  })),
];

describe('sprintf agrees with opa eval', () => {
  let opa: Outcome[] = [];
  before(async () => {
    opa = await evaluateWithOpa(CASES);
  });

  it(`on ${CASES.length} formats, generated and hand-picked`, () => {
    const host = createBuiltins();
    assert.ok(host.regoArguments.has('sprintf'), 'sprintf must take typed Rego values');
    const mismatches: string[] = [];
    CASES.forEach((c, i) => {
      const mine = runHost(
        host.functions['sprintf'],
        c.args.map((a) => exactStringify(a)),
      );
      const theirs = opa[i];
      if (JSON.stringify(mine) !== JSON.stringify(theirs))
        mismatches.push(
          `${c.note}: sprintf(${exactStringify(c.args)}): regent ${JSON.stringify(mine)}, opa ${JSON.stringify(theirs)}`,
        );
    });
    assert.deepEqual(mismatches, []);
  });
});

const n = (text: string): RegoNumber => new RegoNumber(text);
const regoScalar: fc.Arbitrary<RegoValue> = fc.oneof(
  fc.constantFrom<RegoValue>(null, true, false, 'a', 'b', 'é', 'q"', '😀', ''),
  fc.integer({ min: -20, max: 99 }).map((i) => n(String(i))),
  fc.constantFrom('1.0', '2.5', '1e3', '123456789123456789123').map(n),
);
const { regoValue } = fc.letrec<{ regoValue: RegoValue }>((tie) => ({
  regoValue: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    regoScalar,
    fc.array(tie('regoValue'), { maxLength: 3 }).map((e) => RegoSet.of(e)),
    fc.array(tie('regoValue'), { maxLength: 3 }),
    fc.array(fc.tuple(tie('regoValue'), tie('regoValue')), { maxLength: 2 }).map((e) => RegoObject.of(e)),
  ),
}));
const setCalls = fc
  .tuple(
    fc.array(fc.constantFrom('%v', '%s', '%q', '%d', '%x', '%10v', '%-8s|', '%.3s', ' '), {
      minLength: 1,
      maxLength: 3,
    }),
    fc.array(regoValue, { minLength: 1, maxLength: 3 }),
  )
  .map(([parts, values]): RegoCall => ({ note: 'generated', builtin: 'sprintf', args: [parts.join(''), values] }));

const SET_CASES: RegoCall[] = [
  { note: 'issue 17 item 4: a set prints as a set', builtin: 'sprintf', args: ['%v', [RegoSet.of(['b', 'a'])]] },
  { note: 'the empty set', builtin: 'sprintf', args: ['%v %s', [RegoSet.of([]), RegoSet.of([])]] },
  {
    note: 'sets in arrays and objects, in OPA order',
    builtin: 'sprintf',
    args: ['%v', [[RegoSet.of([n('3'), n('1'), 'x']), RegoObject.of([['k', RegoSet.of([[n('2')], [n('1')]])]])]]],
  },
  {
    note: 'object keys that are not strings',
    builtin: 'sprintf',
    args: [
      '%v',
      [
        RegoObject.of([
          [n('2'), 'b'],
          [RegoSet.of(['s']), 'c'],
          ['a', n('1')],
          [[true], null],
        ]),
      ],
    ],
  },
  { note: 'a set quoted with %q', builtin: 'sprintf', args: ['%q', [RegoSet.of(['a"b'])]] },
  { note: 'a set as the values is refused', builtin: 'sprintf', args: ['%v', RegoSet.of(['a'])] },
  { note: 'a set as the format is refused', builtin: 'sprintf', args: [RegoSet.of(['%v']), ['a']] },
  ...fc.sample(setCalls, { seed: SEED, numRuns: 150 }).map((c, i) => ({ ...c, note: `generated #${i}` })),
];

describe('sprintf prints sets and other Rego values as OPA does', () => {
  let opa: RegoOutcome[] = [];
  before(async () => {
    opa = await evaluateRegoWithOpa(SET_CASES);
  });
  const host = createBuiltins();

  it(`agrees with opa eval on ${SET_CASES.length} calls`, () => {
    const mismatches: string[] = [];
    SET_CASES.forEach((c, i) => {
      const mine = runRegoHost(host, c);
      const theirs = opa[i];
      if (JSON.stringify(mine) !== JSON.stringify(theirs))
        mismatches.push(`${c.note}: regent ${JSON.stringify(mine)}, opa ${JSON.stringify(theirs)}`);
    });
    assert.deepEqual(mismatches, []);
  });

  it('gives the same strings through the whole wasm path', async () => {
    assert.deepEqual(await wasmDisagreements(host, SET_CASES), []);
  });
});
