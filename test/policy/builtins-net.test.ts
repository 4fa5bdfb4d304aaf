/**
 * net.cidr_is_valid, cidr_expand, cidr_merge and cidr_contains_matches: OPA's own cases through
 * regent's engine, and further calls compared with `opa eval`. expand, merge and contains_matches
 * return sets, and contains_matches answers a set's matches by element, an array's by index and
 * an object's by key: those are compared as Rego values (rego-oracle.ts), types included, and
 * again through the whole wasm path.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { RegoNumber, RegoObject, RegoSet, type RegoValue } from '../../src/policy/builtins/rego-value.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';
import { evaluateRegoWithOpa, runRegoHost, type RegoCall, type RegoOutcome, wasmDisagreements } from './rego-oracle.ts';

describe("net.cidr_* pass OPA's own cases through regent's engine", () => {
  let results: { note: string; problem: string | undefined }[] = [];
  before(async () => {
    results = await runCases(
      await loadOpaCases('netcidrisvalid', 'netcidrexpand', 'netcidrmerge', 'netcidrcontainsmatches'),
    );
  });
  it('agrees with every case', () => {
    assert.ok(results.length >= 34, `only ${results.length} cases found`);
    assert.deepEqual(
      results.filter((r) => r.problem !== undefined).map((r) => `${r.note}: ${r.problem}`),
      [],
    );
  });
});

const CASES: BuiltinCase[] = [
  { note: 'accepts an IPv4 CIDR', builtin: 'net.cidr_is_valid', args: ['10.0.0.0/8'] },
  { note: 'accepts an IPv6 CIDR', builtin: 'net.cidr_is_valid', args: ['2001:db8::/32'] },
  { note: 'accepts a leading zero in the prefix', builtin: 'net.cidr_is_valid', args: ['10.0.0.0/08'] },
  { note: 'refuses a leading zero in an octet', builtin: 'net.cidr_is_valid', args: ['010.0.0.0/8'] },
  { note: 'refuses a prefix too long', builtin: 'net.cidr_is_valid', args: ['10.0.0.0/33'] },
  { note: 'refuses a zone', builtin: 'net.cidr_is_valid', args: ['fe80::1%eth0/64'] },
  { note: 'refuses a bare address', builtin: 'net.cidr_is_valid', args: ['10.0.0.1'] },
  { note: 'is false for a number', builtin: 'net.cidr_is_valid', args: [1] },
];

describe('net.cidr_is_valid agrees with opa eval', () => {
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
      if (mine.kind === 'error' && theirs?.kind === 'error') return;
      assert.deepEqual(mine, theirs);
    });
  }
});

const n = (i: number): RegoNumber => new RegoNumber(String(i));
const set = (...elements: RegoValue[]): RegoSet => RegoSet.of(elements);
const call = (note: string, builtin: string, ...args: RegoValue[]): RegoCall => ({ note, builtin, args });
const matches = (note: string, cidrs: RegoValue, addresses: RegoValue): RegoCall =>
  call(note, 'net.cidr_contains_matches', cidrs, addresses);

const SET_CASES: RegoCall[] = [
  call('expands a /28 into a set', 'net.cidr_expand', '192.168.0.3/28'),
  call('expands an IPv6 /126', 'net.cidr_expand', '2001:db8::ff/126'),
  call('expands a /32 into one address', 'net.cidr_expand', '10.1.2.3/32'),
  call('refuses an invalid CIDR', 'net.cidr_expand', '1.2.3/24'),
  call('merges adjacent and contained networks', 'net.cidr_merge', [
    '10.0.0.0/25',
    '10.0.0.128/25',
    '10.0.0.7/32',
    '10.0.2.0/24',
  ]),
  call('merges into several CIDRs', 'net.cidr_merge', ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/32']),
  call('keeps a bare address with its classful mask', 'net.cidr_merge', ['192.168.1.7', '172.16.3.4', '10.9.8.7']),
  call('merges IPv6 networks', 'net.cidr_merge', ['2001:db8::/33', '2001:db8:8000::/33', '::1/128']),
  call('merges a set', 'net.cidr_merge', set('10.0.0.0/25', '10.0.0.128/25')),
  call('merges nothing into the empty set', 'net.cidr_merge', []),
  call('refuses a non-string element', 'net.cidr_merge', ['10.0.0.0/8', n(1)]),
  matches('matches a string against a string', '10.0.0.0/8', '10.1.2.3'),
  matches('answers an array by index', ['10.0.0.0/8', '192.168.0.0/16'], ['192.168.1.1', '10.0.0.1', '8.8.8.8']),
  matches('answers a set by element', set('10.0.0.0/8', '192.168.0.0/16'), set('192.168.1.1', '10.0.0.1')),
  matches(
    'answers an object by key',
    RegoObject.of([['office', '10.0.0.0/8']]),
    RegoObject.of([['laptop', '10.9.9.9']]),
  ),
  matches('takes the first element of a tuple', set(['10.0.0.0/8', 'lan']), [['10.0.0.5', 'host'], '10.0.0.6']),
  matches('answers a set of tuples by the tuple', set('10.0.0.0/8'), set(['10.0.0.5', n(1)], ['10.0.0.6', n(2)])),
  matches('mixes an array and a set', ['10.0.0.0/8'], set('10.0.0.1', '11.0.0.1')),
  matches('matches networks inside networks', set('10.0.0.0/8'), set('10.1.0.0/16', '10.0.0.0/7')),
  matches('matches IPv6', ['2001:db8::/32'], set('2001:db8::1', '2001:db9::1')),
  matches('matches nothing in an empty set', set(), ['10.0.0.1']),
  matches('ignores an operand of another type', n(1), ['10.0.0.1']),
  matches('refuses an empty tuple', ['10.0.0.0/8'], [[]]),
  matches('refuses a number element of a set', set('10.0.0.0/8'), set(n(1))),
  matches('refuses a number element in the first operand', [n(1)], ['10.0.0.1']),
  matches('refuses an invalid CIDR', set('10.0.0.0/33'), ['10.0.0.1']),
  matches('refuses an invalid address', ['10.0.0.0/8'], set('not an address')),
  matches('refuses a non-string first tuple element', set([n(1), 'x']), ['10.0.0.1']),
];

describe('net.cidr_* sets agree with opa eval', () => {
  let opa: RegoOutcome[] = [];
  before(async () => {
    opa = await evaluateRegoWithOpa(SET_CASES);
  });
  const host = createBuiltins();
  for (const [i, c] of SET_CASES.entries()) {
    it(`${c.builtin}: ${c.note}`, () => {
      assert.deepEqual(runRegoHost(host, c), opa[i]);
    });
  }

  it('gives the same values through the whole wasm path', async () => {
    assert.deepEqual(await wasmDisagreements(host, SET_CASES), []);
  });
});
