/**
 * regex.globs_match (src/policy/builtins/glob-intersection.ts, a port of gintersect): the
 * library's own non_empty_test.go cases, OPA's globsmatch cases through regent's engine, and
 * generated glob pairs compared with `opa eval`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { globsIntersect } from '../../src/policy/builtins/glob-intersection.ts';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadCases, runConformance } from './conformance-runner.ts';

// gintersect v0.2.0 non_empty_test.go, as the Go source writes them.
const NON_EMPTY: Record<string, string[]> = {
  abcd: ['abcd', '....', '[a-d]*'],
  pqrs: ['.qrs', 'p.rs', 'pq.s', 'pqr.'],
  '.*': ['asdklfj', 'jasdfh', 'asdhfajfh', 'asdflkasdfjl'],
  'd*': ['[abcd][abcd]', 'd[a-z]+', '.....', '[d]*'],
  '[a-p]+': ['[p-z]+', 'apapapaapapapap', '.*', 'abcdefgh*'],
  'abcd[a-c]z+': ['abcd[b-d][yz]*', 'abcdazzzz', 'abcdbzzz', 'abcdcz'],
  '.*\\\\': ['.*', 'asdfasdf\\\\'],
  '.a.a': ['b.b.', 'c.c.', 'd.d.', 'e.e.'],
  '.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*': ['.*.*.*.*.*.*.*.*.*.*.*'],
  'foo.*bar': ['foobar', 'fooalkdsjfbar'],
  '[ab]+c': ['[bc]+', '[bc]*'],
};
const EMPTY: Record<string, string[]> = {
  abcd: ['lsdfhda', 'abcdla', 'asdlfk', 'ksdfj'],
  '[a-d]+': ['xyz', 'p+', '[e-f]+'],
  '[0-9]*': ['[a-z]', '.\\*'],
  'mamama.*': ['dadada.*', 'nanana.*'],
  '.*mamama': ['.*dadada', '.*nanana'],
  '.xyz.': ['paaap', '.*pqr.*'],
  'ab+': ['a', 'b', 'abc'],
  '.*.*.*.*f': ['.*.*.*.*g'],
  '.*': [''],
};

describe("regex.globs_match passes gintersect's own cases", () => {
  for (const [want, table] of [
    [true, NON_EMPTY],
    [false, EMPTY],
  ] as const)
    for (const [lhs, rhss] of Object.entries(table))
      for (const rhs of rhss)
        it(`${lhs} and ${rhs} ${want ? 'intersect' : 'do not intersect'}`, () => {
          assert.equal(globsIntersect(lhs, rhs), want);
        });
});

describe("regex.globs_match passes OPA's own cases through regent's engine", () => {
  // Through the conformance runner, which compares a set-valued result as a set: the wasm builds
  // the `ref` case's set {0, 1} in another order than OPA's sorted one (a known wasm-target
  // difference of iteration order, not of this builtin), which runCases would count.
  it('globsmatch', async () => {
    const cases = (await loadCases()).filter((c) => c.name.startsWith('globsmatch/'));
    assert.ok(cases.length >= 6, `only ${cases.length} cases found`);
    const outcomes = await runConformance(cases);
    const failed = [...outcomes]
      .filter(([, o]) => o.status !== 'pass')
      .map(([name, o]) => `${name}: ${o.status === 'pass' ? '' : o.detail}`);
    assert.deepEqual(failed, []);
  });
});

const ATOMS = ['a', 'b', '.', '[a-c]', '[b]', '[x-z0-9]', '\\.', '\\*', 'é', '[é-ë]'];
const FLAGS = ['', '', '+', '*'];
const BAD = ['a]', '[a', '+a', 'a\\', '[-a]', '[a-]', '[c-a]', 'a**', '[a--]', ']'];

/** Deterministic generated globs (a small LCG), several tokens each. */
function generatedGlobs(count: number): string[] {
  let seed = 17;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    let g = '';
    for (let k = next(5); k >= 0; k--) g += `${ATOMS[next(ATOMS.length)] ?? ''}${FLAGS[next(FLAGS.length)] ?? ''}`;
    return g;
  });
}

const GLOBS = generatedGlobs(120);
const CASES: BuiltinCase[] = [
  ...GLOBS.map((g, i) => ({
    note: `${g} / ${GLOBS[(i * 7 + 3) % GLOBS.length] ?? ''}`,
    builtin: 'regex.globs_match',
    args: [g, GLOBS[(i * 7 + 3) % GLOBS.length]],
  })),
  ...GLOBS.slice(0, 60).map((g, i) => ({
    note: `${g} / ${GLOBS[i + 60] ?? ''}`,
    builtin: 'regex.globs_match',
    args: [g, GLOBS[i + 60]],
  })),
  ...BAD.map((g) => ({ note: `malformed ${g}`, builtin: 'regex.globs_match', args: [g, 'a*'] })),
];

describe('regex.globs_match answers as opa eval does', () => {
  let fromOpa: Outcome[] = [];
  before(async () => {
    fromOpa = await evaluateWithOpa(CASES);
  });
  const host = createBuiltins().functions;
  it('agrees on both answers, and some of each', () => {
    const values = fromOpa.filter((o) => o.kind === 'value').map((o) => (o.kind === 'value' ? o.json : ''));
    assert.ok(values.includes('true') && values.includes('false'), 'the generated pairs intersect and do not');
  });
  for (const [i, c] of CASES.entries()) {
    it(c.note, () => {
      const theirs = fromOpa[i];
      const mine = runHost(host[c.builtin], c.args);
      if (mine.kind === 'error' && theirs?.kind === 'error') {
        assert.match(
          theirs.message,
          new RegExp(mine.message.replace(/^regex\.globs_match: /, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
        );
        return;
      }
      assert.deepEqual(mine, theirs);
    });
  }
});
