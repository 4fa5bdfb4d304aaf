/**
 * rego-value.ts reads what the wasm's `opa_value_dump` really writes and writes what its
 * `opa_value_parse` really reads: values go through a real compiled policy (opa build -t wasm)
 * and back, hand-picked and generated. Also OPA's order and equality of values, and the parser's
 * refusals.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import {
  MAX_DEPTH,
  RegoNumber,
  RegoObject,
  RegoSet,
  compareRego,
  numberToInt,
  parseRegoValue,
  regoEqual,
  regoString,
  writeRegoValue,
  type RegoValue,
} from '../../src/policy/builtins/rego-value.ts';
import { runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { PolicyInstance, webAssembly } from '../../src/policy/wasm-instance.ts';
import { readTarGz } from './bundle-files.ts';

const SEED = Number(process.env['BUILTINS_SEED'] ?? 20_261_207);
const encoder = new TextEncoder();

/** A live instance of a compiled policy, to call its value exports directly. */
async function compiledInstance(dir: string): Promise<PolicyInstance> {
  await writeFile(path.join(dir, 'p.rego'), 'package p\n\nx := 1\n');
  const run = await runOpa(['build', '-t', 'wasm', '-e', 'p/x', '-o', 'bundle.tar.gz', 'p.rego'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const wasm = readTarGz(await readFile(path.join(dir, 'bundle.tar.gz'))).get('policy.wasm');
  assert.ok(wasm !== undefined);
  const module = await webAssembly.compile(wasm);
  const host = createBuiltins();
  return new PolicyInstance(
    module,
    { initial: 5, maximum: 200 },
    encoder.encode('{}'),
    { functions: host.functions, regoArguments: host.regoArguments, regoResults: host.regoResults },
    { strict: false, firstError: undefined, errors: 0 },
  );
}

/** opa_value_parse then opa_value_dump inside the wasm: what a builtin receives for `text`. */
function throughWasm(instance: PolicyInstance, text: string): string {
  const bytes = encoder.encode(text);
  const raw = instance.exports.opa_malloc(bytes.byteLength);
  new Uint8Array(instance.memory.buffer).set(bytes, raw);
  const addr = instance.exports.opa_value_parse(raw, bytes.byteLength);
  assert.notEqual(addr, 0, `opa_value_parse refused ${text}`);
  return instance.readString(instance.exports.opa_value_dump(addr));
}

const n = (text: string): RegoNumber => new RegoNumber(text);

const HAND_PICKED: { note: string; value: RegoValue; dump?: string }[] = [
  { note: 'null and booleans', value: [null, true, false], dump: '[null, true, false]' },
  { note: 'the empty set', value: RegoSet.of([]), dump: 'set()' },
  { note: 'a one-element set', value: RegoSet.of(['a']), dump: '{"a"}' },
  { note: 'the empty object and array', value: [RegoObject.of([]), []], dump: '[{}, []]' },
  { note: 'numbers keep their text', value: [n('1.0'), n('1e3'), n('-0.5'), n('123456789123456789123')] },
  {
    note: 'control characters escaped, others raw',
    value: 'a"b\\c\n\t\r\u0001é😀',
    dump: '"a\\"b\\\\c\\n\\t\\r\\u0001é😀"',
  },
  {
    note: 'object keys of any type',
    value: RegoObject.of([
      [n('1'), 'a'],
      [[true], 'b'],
      [RegoSet.of([]), 'c'],
    ]),
  },
  {
    note: 'sets of composites',
    value: RegoSet.of([[n('1')], RegoObject.of([['k', RegoSet.of(['x'])]]), RegoSet.of([])]),
  },
  { note: 'nested sets in arrays in objects', value: RegoObject.of([['s', [RegoSet.of([n('2'), n('1')])]]]) },
];

const scalar: fc.Arbitrary<RegoValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }).map((i) => n(String(i))),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((i) => n(String(i))),
  fc.constantFrom('1.0', '0.5', '-2.25', '1e3', '1.5e-7', '1E+2').map(n),
  fc.string({ maxLength: 5 }),
  fc.constantFrom('é', '日本', 'a"b', 'tab\t', '\u0000', '\u007f', '😀', '\\'),
);
const { value: generated } = fc.letrec<{ value: RegoValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((entries) => RegoObject.of(entries)),
    fc.array(tie('value'), { maxLength: 3 }).map((elements) => RegoSet.of(elements)),
  ),
}));

describe('Rego values through a compiled policy (opa_value_parse, opa_value_dump)', () => {
  let dir: string;
  let instance: PolicyInstance;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-rego-value-'));
    instance = await compiledInstance(dir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of HAND_PICKED) {
    it(`reads back ${c.note}`, () => {
      const dumped = throughWasm(instance, writeRegoValue(c.value));
      if (c.dump !== undefined) assert.equal(dumped, c.dump);
      const back = parseRegoValue(dumped);
      assert.ok(regoEqual(back, c.value), `${dumped} read as ${regoString(back)}, wrote ${regoString(c.value)}`);
      assert.equal(writeRegoValue(back), writeRegoValue(c.value));
    });
  }

  it('writes sets as {a, b} and keeps non-string keys, as OPA documents opa_value_dump', () => {
    const dumped = throughWasm(instance, '{"b", "a", {1: [set()]}}');
    assert.match(dumped, /^\{.*\}$/);
    assert.ok(dumped.includes('{1: [set()]}'), dumped);
    assert.ok(regoEqual(parseRegoValue(dumped), RegoSet.of(['a', 'b', RegoObject.of([[n('1'), [RegoSet.of([])]]])])));
  });

  it('reads the wasm’s .5 (a number literal OPA keeps as written) and writes it as 0.5', () => {
    assert.ok(regoEqual(parseRegoValue('[.5, -.5]'), [n('0.5'), n('-0.5')]));
    assert.equal(writeRegoValue([n('.5'), n('-.5')]), '[0.5, -0.5]');
    assert.equal(throughWasm(instance, writeRegoValue([n('.5')])), '[0.5]');
  });

  it('round-trips 300 generated values', () => {
    const problems: string[] = [];
    for (const value of fc.sample(generated, { seed: SEED, numRuns: 300 })) {
      const dumped = throughWasm(instance, writeRegoValue(value));
      const back = parseRegoValue(dumped);
      if (!regoEqual(back, value)) problems.push(`${regoString(value)} came back as ${dumped}`);
    }
    assert.deepEqual(problems, []);
  });
});

describe("OPA's order and equality of values", () => {
  it('orders types null < boolean < number < string < array < object < set', () => {
    const ordered: RegoValue[] = [
      null,
      false,
      true,
      n('-1'),
      n('0.5'),
      n('1'),
      n('1e400'),
      '',
      'a',
      'z',
      'é',
      '\uffff',
      '😀',
      [],
      [n('1')],
      [n('1'), n('1')],
      [n('2')],
      RegoObject.of([]),
      RegoObject.of([['a', n('1')]]),
      RegoObject.of([['a', n('2')]]),
      RegoObject.of([['b', n('0')]]),
      RegoSet.of([]),
      RegoSet.of([n('1')]),
      RegoSet.of([n('1'), n('2')]),
      RegoSet.of([n('2')]),
    ];
    for (let i = 0; i < ordered.length; i++)
      for (let j = 0; j < ordered.length; j++) {
        const a = ordered[i] ?? null;
        const b = ordered[j] ?? null;
        assert.equal(Math.sign(compareRego(a, b)), Math.sign(i - j), `${regoString(a)} vs ${regoString(b)}`);
      }
  });

  it('compares numbers by exact value', () => {
    assert.ok(regoEqual(n('1'), n('1.0')));
    assert.ok(regoEqual(n('100'), n('1e2')));
    assert.ok(regoEqual(n('0'), n('-0.0')));
    assert.ok(compareRego(n('12345678901234567890123'), n('12345678901234567890124')) < 0);
    assert.ok(compareRego(n('-2'), n('-1.5')) < 0);
    assert.ok(regoEqual(RegoSet.of([n('1'), n('1.0')]), RegoSet.of([n('1')])));
  });

  it('reads an integer as OPA does (1.0 is 1; 1.5, 1e0 and past int64 are not)', () => {
    assert.equal(numberToInt('1.0'), 1n);
    assert.equal(numberToInt('-3'), -3n);
    assert.equal(numberToInt('+7'), 7n);
    assert.equal(numberToInt('1.5'), undefined);
    assert.equal(numberToInt('1e0'), undefined);
    assert.equal(numberToInt('9223372036854775808'), undefined);
    assert.equal(numberToInt('-9223372036854775808'), -(2n ** 63n));
  });

  it('prints values as OPA does (ast String)', () => {
    assert.equal(regoString(RegoSet.of(['b', 'a'])), '{"a", "b"}');
    assert.equal(regoString(RegoSet.of([])), 'set()');
    assert.equal(
      regoString(
        RegoObject.of([
          ['b', n('1')],
          [n('2'), null],
        ]),
      ),
      '{2: null, "b": 1}',
    );
    assert.equal(regoString(['\u0000é']), '["\\x00é"]');
  });
});

describe('the parser refuses what opa_value_dump does not write', () => {
  const refused = ['', '[1,', '{1: }', 'set(1)', '"abc', '"a\u0001"', '[1] x', 'NaN', '{"a" 1}', '"\\x41"', 'nul'];
  for (const text of refused) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseRegoValue(text), /cannot read the value the wasm wrote/);
    });
  }

  it(`refuses nesting deeper than ${MAX_DEPTH}`, () => {
    const deep = '['.repeat(MAX_DEPTH + 2) + ']'.repeat(MAX_DEPTH + 2);
    assert.throws(() => parseRegoValue(deep), /nested deeper/);
    const ok = '['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH);
    assert.doesNotThrow(() => parseRegoValue(ok));
  });
});

describe('which builtins leave the JSON path', () => {
  it('takes typed arguments only where a set or a number text changes the answer, and returns sets where OPA does', () => {
    const host = createBuiltins();
    // json.match_schema / verify_schema read a number's exact text (gojsonschema's integer checks).
    assert.deepEqual([...host.regoArguments].sort(), [
      'json.match_schema',
      'json.patch',
      'json.verify_schema',
      'net.cidr_contains_matches',
      'sprintf',
      'urlquery.encode_object',
    ]);
    assert.deepEqual([...host.regoResults].sort(), [
      'json.patch',
      'net.cidr_contains_matches',
      'net.cidr_expand',
      'net.cidr_merge',
    ]);
  });
});
