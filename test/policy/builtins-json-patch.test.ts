/**
 * json.patch is OPA's applyPatches over its EditTree (edit-tree.ts), sets patched by element.
 * OPA's own cases through regent's engine; hand-picked and generated patches (objects, arrays and
 * sets, string and array paths, every op) compared with `opa eval` value for value, types
 * included, and again through the whole wasm path; and the patches that make OPA's evaluator
 * panic, each confirmed on its own.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import {
  RegoNumber,
  RegoObject,
  RegoSet,
  isComposite,
  isRegoArray,
  type RegoValue,
} from '../../src/policy/builtins/rego-value.ts';
import { opaCasesSuite } from './opa-builtin-cases.ts';
import {
  evaluateRegoWithOpa,
  opaPanics,
  runRegoHost,
  type RegoCall,
  type RegoOutcome,
  wasmDisagreements,
} from './rego-oracle.ts';

const SEED = Number(process.env['BUILTINS_SEED'] ?? 20_261_207);
const n = (text: string): RegoNumber => new RegoNumber(text);
const set = (...elements: RegoValue[]): RegoSet => RegoSet.of(elements);
const obj = (entries: Record<string, RegoValue>): RegoObject => RegoObject.of(Object.entries(entries));
const patch = (note: string, doc: RegoValue, ops: RegoValue[]): RegoCall => ({
  note,
  builtin: 'json.patch',
  args: [doc, ops],
});
const op = (fields: Record<string, RegoValue>): RegoObject => obj(fields);

opaCasesSuite("json.patch passes OPA's own cases through regent's engine", ['jsonpatch'], 7);

const HAND_PICKED: RegoCall[] = [
  patch('removes a set element by its value', obj({ foo: set('a', 'b', 'c') }), [op({ op: 'remove', path: 'foo/b' })]),
  patch('adds a set element equal to its key', obj({ foo: set('a') }), [op({ op: 'add', path: '/foo/d', value: 'd' })]),
  patch('refuses a set element unlike its key', obj({ foo: set('a') }), [op({ op: 'add', path: 'foo/d', value: 'e' })]),
  patch('moves an element between sets', obj({ foo: set('a', 'b'), bar: set('c') }), [
    op({ op: 'move', from: 'foo/a', path: 'bar/a' }),
  ]),
  patch('reaches into a set by a composite element', set([n('1')]), [
    op({ op: 'add', path: [[n('1')], n('1')], value: n('2') }),
  ]),
  patch('removes a composite set element', set([n('1')], [n('2')]), [op({ op: 'remove', path: [[n('2')]] })]),
  patch('removes a number element (a string segment is not a number)', set(n('1')), [op({ op: 'remove', path: '/1' })]),
  patch('removes a number element by an array path', set(n('1'), n('2')), [op({ op: 'remove', path: [n('1.0')] })]),
  patch('tests a set by its elements', obj({ s: set('a', 'b') }), [
    op({ op: 'test', path: '/s', value: set('b', 'a') }),
  ]),
  patch('a set is not an array to test', obj({ s: set('a', 'b') }), [
    op({ op: 'test', path: '/s', value: ['a', 'b'] }),
  ]),
  patch('replaces a set with an array', obj({ s: set('a') }), [op({ op: 'replace', path: '/s', value: ['a'] })]),
  patch('copies a set', obj({ s: set('a') }), [op({ op: 'copy', from: '/s', path: '/t' })]),
  patch('adds to an array inside a set', obj({ s: set(['x']) }), [
    op({ op: 'add', path: ['s', ['x'], '-'], value: 'y' }),
  ]),
  patch(
    "keeps OPA's array quirk: reaching an original element takes the original array's",
    ['a', 'b'],
    [op({ op: 'add', path: '/0', value: 'z' }), op({ op: 'test', path: '/1', value: 'b' })],
  ),
  patch('appends with -', ['a'], [op({ op: 'add', path: '/-', value: 'b' })]),
  patch('inserts in the middle', ['a', 'c'], [op({ op: 'add', path: '/1', value: 'b' })]),
  patch('refuses an index with a leading zero', ['a', 'b'], [op({ op: 'test', path: '/01', value: 'b' })]),
  patch('takes 1.0 as an index', ['a', 'b'], [op({ op: 'remove', path: [n('1.0')] })]),
  patch('refuses 1e0 as an index', ['a', 'b'], [op({ op: 'remove', path: [n('1e0')] })]),
  patch('refuses an index past the end', ['a'], [op({ op: 'add', path: '/2', value: 'x' })]),
  patch('refuses a negative index', ['a'], [op({ op: 'remove', path: '/-1' })]),
  patch('unescapes ~1 and ~0', obj({ 'a/b': n('1'), 'm~n': n('2') }), [
    op({ op: 'move', from: '/a~1b', path: '/m~0n' }),
  ]),
  patch('trims every leading slash', obj({ a: n('1') }), [op({ op: 'replace', path: '///a', value: n('2') })]),
  patch('replaces the whole document with an empty path', obj({ a: n('1') }), [
    op({ op: 'replace', path: '', value: set('x') }),
  ]),
  patch('adds under an object key that is not a string', RegoObject.of([[n('1'), 'a']]), [
    op({ op: 'add', path: [n('1.0')], value: 'b' }),
  ]),
  patch('removes a missing key', obj({ a: n('1') }), [op({ op: 'remove', path: '/b' })]),
  patch('removes the same key twice', obj({ a: n('1') }), [
    op({ op: 'remove', path: '/a' }),
    op({ op: 'remove', path: '/a' }),
  ]),
  patch('moves from a missing location', obj({ a: n('1') }), [op({ op: 'move', from: '/b', path: '/c' })]),
  patch('patches a scalar document at the root', n('1'), [op({ op: 'add', path: '', value: 'x' })]),
  patch('cannot add beneath a scalar', obj({ a: n('1') }), [op({ op: 'add', path: '/a/b', value: 'x' })]),
  patch('refuses an unknown op', obj({}), [op({ op: 'spam', path: '/a' })]),
  patch('refuses an op that is not a string', obj({}), [op({ op: n('1'), path: '/a' })]),
  patch('refuses a missing path', obj({}), [op({ op: 'add', value: n('1') })]),
  patch('refuses a missing op', obj({}), [op({ path: '/a', value: n('1') })]),
  patch('refuses a missing value', obj({}), [op({ op: 'add', path: '/a' })]),
  patch('refuses a missing from', obj({ a: n('1') }), [op({ op: 'copy', path: '/b' })]),
  patch('refuses a path that is a number', obj({}), [op({ op: 'add', path: n('1'), value: n('1') })]),
  patch('refuses a path that is a set', obj({}), [op({ op: 'add', path: set('a'), value: n('1') })]),
  patch('refuses an operation that is not an object', obj({}), ['add']),
  patch('applies nothing', set('a'), []),
  {
    note: 'refuses patches that are a set',
    builtin: 'json.patch',
    args: [obj({}), set(op({ op: 'remove', path: '' }))],
  },
];

/** Where OPA's evaluator panics: regent must fail these calls (checked one by one against opa). */
const PANICS: RegoCall[] = [
  patch('removing the whole document', obj({ a: n('1') }), [op({ op: 'remove', path: '' })]),
  patch('editing inside the document after removing it', obj({ a: n('1') }), [
    op({ op: 'remove', path: '' }),
    op({ op: 'add', path: '', value: obj({}) }),
    op({ op: 'add', path: '/a', value: n('1') }),
  ]),
  patch('reaching beneath a removed set element', obj({ s: set('a', 'b') }), [
    op({ op: 'remove', path: '/s/a' }),
    op({ op: 'add', path: '/s/a/x', value: n('1') }),
  ]),
  patch(
    'editing an object that replaced an array document (a fresh OPA process)',
    [n('1')],
    [op({ op: 'replace', path: '', value: obj({}) }), op({ op: 'add', path: '/a', value: n('1') })],
  ),
  patch(
    'shifting a scalar and a composite insertion past each other',
    ['a', 'b', 'c', 'd'],
    [
      op({ op: 'add', path: '/2', value: [n('0')] }),
      op({ op: 'add', path: '/3', value: 'x' }),
      op({ op: 'remove', path: '/1' }),
    ],
  ),
];

// Generated patches: small documents of objects, arrays and sets; ops aimed mostly at paths that exist.
const KEYS = ['a', 'b', 'c', 'a/b', 'm~n'];
const small: fc.Arbitrary<RegoValue> = fc.oneof(
  fc.constantFrom<RegoValue>(null, true, 'a', 'b', 'x'),
  fc.integer({ min: 0, max: 3 }).map((i) => n(String(i))),
);
const { doc } = fc.letrec<{ doc: RegoValue }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    small,
    fc.array(tie('doc'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('doc'), { maxKeys: 3 }).map((o) => obj(o)),
    fc.array(fc.oneof(small, fc.array(small, { maxLength: 2 })), { maxLength: 3 }).map((e) => RegoSet.of(e)),
  ),
}));
const topDoc = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), doc, { minKeys: 1, maxKeys: 3 }).map((o) => obj(o)),
  fc.array(doc, { minLength: 1, maxLength: 4 }),
  fc
    .array(fc.oneof(small, fc.array(small, { maxLength: 2 })), { minLength: 1, maxLength: 4 })
    .map((e) => RegoSet.of(e)),
);

/** Every path into a value, as segments (set elements by value, array indexes as numbers). */
function paths(value: RegoValue, prefix: RegoValue[] = []): { path: RegoValue[]; value: RegoValue }[] {
  const out = [{ path: prefix, value }];
  if (value instanceof RegoObject) for (const [k, v] of value.entries) out.push(...paths(v, [...prefix, k]));
  else if (value instanceof RegoSet) for (const e of value.elements) out.push(...paths(e, [...prefix, e]));
  else if (isRegoArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, n(String(i))])));
  return out;
}

/** A path as a JSON pointer when every segment can be one, else as an array. */
function render(path: RegoValue[], pointer: boolean): RegoValue {
  const texts = path.map((s) => (typeof s === 'string' ? s : s instanceof RegoNumber ? s.text : undefined));
  if (!pointer || texts.some((t) => t === undefined)) return path;
  return texts.map((t) => '/' + (t ?? '').replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

function operation(document: RegoValue): fc.Arbitrary<RegoObject> {
  const all = paths(document);
  const containers = all.filter((p) => isComposite(p.value)).map((p) => p.path);
  const existing = fc.constantFrom(...all);
  const segment = fc.oneof(fc.constantFrom<RegoValue>(...KEYS, '-', '0', '9'), small);
  const target = fc.oneof(
    existing,
    fc.tuple(fc.constantFrom(...containers), segment).map(([p, s]) => ({ path: [...p, s], value: s })),
  );
  return fc
    .record({
      op: fc.constantFrom('add', 'add', 'add', 'remove', 'remove', 'replace', 'move', 'copy', 'test'),
      target,
      from: existing,
      value: fc.oneof(small, doc),
      // A set element must equal its key; a test mostly expects what the document held.
      known: fc.boolean(),
      pointer: fc.boolean(),
    })
    .map((r) => {
      const fields: Record<string, RegoValue> = { op: r.op, path: render(r.target.path, r.pointer) };
      if (r.op === 'add' || r.op === 'replace' || r.op === 'test') fields['value'] = r.known ? r.target.value : r.value;
      if (r.op === 'move' || r.op === 'copy') fields['from'] = render(r.from.path, r.pointer);
      return op(fields);
    });
}

const generatedCalls = topDoc.chain((d) =>
  fc
    .oneof(fc.tuple(operation(d)), fc.array(operation(d), { minLength: 2, maxLength: 3 }))
    .map((ops) => patch('generated', d, ops)),
);

const host = createBuiltins();
const GENERATED = fc
  .sample(generatedCalls, { seed: SEED, numRuns: 300 })
  .map((c, i) => ({ ...c, note: `generated #${i}` }));
const ALL = [...HAND_PICKED, ...GENERATED];
/** Calls the port says OPA panics on are checked apart: a panic ends opa eval's whole batch. */
const PANICKING = ALL.filter((c) => {
  const outcome = runRegoHost(host, c);
  return outcome.kind === 'error' && outcome.message.includes("OPA's evaluator panics");
});
const COMPARED = ALL.filter((c) => !PANICKING.includes(c));

function sameOutcome(mine: RegoOutcome, theirs: RegoOutcome | undefined): boolean {
  if (mine.kind === 'error' && theirs?.kind === 'error') return mine.message === theirs.message;
  return JSON.stringify(mine) === JSON.stringify(theirs);
}

describe('json.patch agrees with opa eval', () => {
  let opa: RegoOutcome[] = [];
  before(async () => {
    opa = await evaluateRegoWithOpa(COMPARED);
  });

  it(`on ${HAND_PICKED.length} hand-picked and ${GENERATED.length} generated patches (${PANICKING.length} set apart: OPA panics)`, () => {
    const mismatches: string[] = [];
    COMPARED.forEach((c, i) => {
      const mine = runRegoHost(host, c);
      if (!sameOutcome(mine, opa[i]))
        mismatches.push(`${c.note}: regent ${JSON.stringify(mine)}, opa ${JSON.stringify(opa[i])}`);
    });
    assert.deepEqual(mismatches, []);
    const kinds = Map.groupBy(opa, (o) => o.kind);
    assert.ok((kinds.get('value')?.length ?? 0) >= 100, 'most generated patches apply');
    assert.ok((kinds.get('error')?.length ?? 0) >= 30, 'many fail');
  });

  it('gives the same values through the whole wasm path (opa_value_dump in, opa_value_parse out)', async () => {
    assert.deepEqual(await wasmDisagreements(host, COMPARED), []);
  });
});

describe("json.patch fails where OPA's evaluator panics", () => {
  for (const c of [...PANICS, ...PANICKING.filter((c) => c.note.startsWith('generated'))]) {
    it(c.note, async () => {
      const mine = runRegoHost(host, c);
      assert.equal(mine.kind, 'error');
      assert.match((mine as { message: string }).message, /^json\.patch: OPA's evaluator panics here/);
      assert.ok(await opaPanics(c), 'opa eval panics on this call');
    });
  }
});
