/**
 * regex.find_n and regex.template_match (src/policy/builtins/regex-find.ts): OPA's own cases for
 * each (regexfind, regexmatchtemplate) through regent's engine, then generated calls compared with
 * `opa eval` (value, undefined, or error; error texts are not compared).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';

describe("regex.find_n and regex.template_match pass OPA's own cases through regent's engine", () => {
  it('regexfind and regexmatchtemplate', async () => {
    const cases = await loadOpaCases('regexfind', 'regexmatchtemplate');
    assert.ok(cases.length >= 5, `only ${cases.length} cases found`);
    const failed = (await runCases(cases)).filter((r) => r.problem !== undefined);
    assert.deepEqual(failed, []);
  });
});

const PATTERNS = ['a.', '', 'a*', 'x*', '[abc]{2}', '(a|ab)(c|bcd)', '\\d+', '^.', '.$', 'é.', '\\b', '(?i)A'];
const SUBJECTS = ['', 'paranormal', 'abacadaeaf', 'aaa', 'xaxbx', 'abcd 12 345', 'été café', '😀a😀'];
const TEMPLATES: [string, string, string, string][] = [
  ['urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'],
  ['urn:foo.bar.com:{.*}', 'urn.foo.bar.com.bar', '{', '}'],
  ['urn:foo:<[0-9]{2,3}>:x', 'urn:foo:123:x', '<', '>'],
  ['a<b|c>d<e+>', 'acdeee', '<', '>'],
  ['a<b', 'ab', '<', '>'],
  ['a>b', 'ab', '<', '>'],
  ['a{x{y}z}', 'axyz', '{', '}'],
  ['(x)<.+>', '(x)yz', '<', '>'],
  ['a<(>', 'a(', '<', '>'],
  ['ab', 'ab', '<<', '>'],
  ['ab', 'ab', '<', ''],
  ['$x^<.>', '$x^!', '<', '>'],
  ['é<.>', 'éa', 'é', '>'],
  ['x<.>y', 'x\ny', '<', '>'],
];
const CASES: BuiltinCase[] = [
  ...PATTERNS.flatMap((p) =>
    SUBJECTS.flatMap((s) =>
      [-1, 0, 1, 2].map((n) => ({ note: `${p} in ${s} n=${n}`, builtin: 'regex.find_n', args: [p, s, n] })),
    ),
  ),
  ...TEMPLATES.map((args) => ({ note: args.join(' '), builtin: 'regex.template_match', args })),
];

describe('regex.find_n and regex.template_match answer as opa eval does', () => {
  let fromOpa: Outcome[] = [];
  before(async () => {
    fromOpa = await evaluateWithOpa(CASES);
  });
  const host = createBuiltins().functions;
  for (const [i, c] of CASES.entries()) {
    it(`${c.builtin}: ${c.note}`, () => {
      const theirs = fromOpa[i];
      const mine = runHost(host[c.builtin], c.args);
      if (mine.kind === 'error' && theirs?.kind === 'error') return;
      assert.deepEqual(mine, theirs);
    });
  }
});
