/**
 * net.cidr_is_valid, cidr_expand and cidr_merge: OPA's own cases through regent's engine, and
 * further calls compared with `opa eval`. net.cidr_contains_matches is withheld (a set argument
 * reaches a host builtin as an array, so it would answer indexes where OPA answers elements; see
 * src/policy/builtins/net.ts): a policy calling it fails to build.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';

describe("net.cidr_* pass OPA's own cases through regent's engine", () => {
  let results: { note: string; problem: string | undefined }[] = [];
  before(async () => {
    results = await runCases(await loadOpaCases('netcidrisvalid', 'netcidrexpand', 'netcidrmerge'));
  });
  it('agrees with every case', () => {
    assert.ok(results.length >= 25, `only ${results.length} cases found`);
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
  { note: 'expands a /28 in string order', builtin: 'net.cidr_expand', args: ['192.168.0.3/28'] },
  { note: 'expands an IPv6 /126', builtin: 'net.cidr_expand', args: ['2001:db8::ff/126'] },
  { note: 'refuses an invalid CIDR', builtin: 'net.cidr_expand', args: ['1.2.3/24'], want: 'error' },
  {
    note: 'merges adjacent and contained networks',
    builtin: 'net.cidr_merge',
    args: [['10.0.0.0/25', '10.0.0.128/25', '10.0.0.7/32', '10.0.2.0/24']],
  },
  {
    note: 'merges into several CIDRs',
    builtin: 'net.cidr_merge',
    args: [['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/32']],
  },
  {
    note: 'keeps a bare address with its classful mask',
    builtin: 'net.cidr_merge',
    args: [['192.168.1.7', '172.16.3.4', '10.9.8.7']],
  },
  {
    note: 'merges IPv6 networks',
    builtin: 'net.cidr_merge',
    args: [['2001:db8::/33', '2001:db8:8000::/33', '::1/128']],
  },
  { note: 'refuses a non-string element', builtin: 'net.cidr_merge', args: [['10.0.0.0/8', 1]], want: 'error' },
];

describe('net.cidr_* agree with opa eval', () => {
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
