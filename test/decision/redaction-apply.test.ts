import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTION_MARKER as R, applyRedactions, numberTexts } from '../../src/decision/redaction/apply.ts';
import { RedactionLimitError, RedactionPathError } from '../../src/decision/redaction/errors.ts';
import { parsePathPattern, WILDCARD, formatPointer } from '../../src/decision/redaction/pointer.ts';

const redact = (payload: unknown, ...paths: string[]) =>
  applyRedactions(
    payload,
    paths.map((path) => ({ path, reason: 'test' })),
  );

describe('redaction paths (JSON pointers under /payload)', () => {
  const valid: { note: string; path: string; want: (string | typeof WILDCARD)[] }[] = [
    { note: 'the payload itself', path: '/payload', want: [] },
    { note: 'one key', path: '/payload/salary', want: ['salary'] },
    { note: 'nested keys and an index', path: '/payload/employees/0/salary', want: ['employees', '0', 'salary'] },
    { note: 'a wildcard segment', path: '/payload/employees/*/salary', want: ['employees', WILDCARD, 'salary'] },
    { note: '~1 decodes to /', path: '/payload/a~1b', want: ['a/b'] },
    { note: '~0 decodes to ~', path: '/payload/a~0b', want: ['a~b'] },
    { note: '~01 decodes to ~1, not /', path: '/payload/~01', want: ['~1'] },
    { note: 'an empty key', path: '/payload/', want: [''] },
    { note: '* inside a segment is literal', path: '/payload/a*', want: ['a*'] },
  ];
  for (const c of valid) {
    it(`parses ${c.note}`, () => {
      assert.deepEqual(parsePathPattern(c.path), c.want);
    });
  }

  const invalid: { note: string; path: unknown }[] = [
    { note: 'a path outside the payload', path: '/agent/id' },
    { note: 'a root that only starts like /payload', path: '/payloadx/a' },
    { note: 'a relative path', path: 'payload/a' },
    { note: 'a ~ followed by another character', path: '/payload/a~2' },
    { note: 'a trailing ~', path: '/payload/a~' },
    { note: 'a number', path: 42 },
    { note: 'a path longer than the limit', path: '/payload/' + 'a'.repeat(5000) },
  ];
  for (const c of invalid) {
    it(`rejects ${c.note} with a typed error`, () => {
      assert.throws(
        () => redact({}, c.path as string),
        (err: unknown) => err instanceof RedactionPathError && err.code === 'invalid_redaction_path',
      );
    });
  }

  it('formats concrete pointers with RFC 6901 escaping', () => {
    assert.equal(formatPointer(['a/b', '~', 3]), '/payload/a~1b/~0/3');
  });
});

describe('applyRedactions', () => {
  const cases: {
    note: string;
    payload: unknown;
    paths: string[];
    want: unknown;
    applied: string[];
    unmatched?: string[];
  }[] = [
    {
      note: 'replaces one field',
      payload: { salary: 85000, name: 'Al' },
      paths: ['/payload/salary'],
      want: { salary: R, name: 'Al' },
      applied: ['/payload/salary'],
    },
    {
      note: 'replaces a field in every array element',
      payload: { employees: [{ salary: 1 }, { salary: 2 }, { name: 'x' }] },
      paths: ['/payload/employees/*/salary'],
      want: { employees: [{ salary: R }, { salary: R }, { name: 'x' }] },
      applied: ['/payload/employees/0/salary', '/payload/employees/1/salary'],
    },
    {
      note: 'a wildcard over object keys',
      payload: { a: { x: 1 }, b: { x: 2 } },
      paths: ['/payload/*/x'],
      want: { a: { x: R }, b: { x: R } },
      applied: ['/payload/a/x', '/payload/b/x'],
    },
    {
      note: 'replaces a whole subtree',
      payload: { contact: { email: 'a@b.co', phone: '1' } },
      paths: ['/payload/contact'],
      want: { contact: R },
      applied: ['/payload/contact'],
    },
    { note: 'the whole payload', payload: { a: 1 }, paths: ['/payload'], want: R, applied: ['/payload'] },
    {
      note: 'escaped keys',
      payload: { 'a/b': 'x', 'c~d': 'y' },
      paths: ['/payload/a~1b', '/payload/c~0d'],
      want: { 'a/b': R, 'c~d': R },
      applied: ['/payload/a~1b', '/payload/c~0d'],
    },
    {
      note: 'nulls and booleans are values too',
      payload: { a: null, b: false },
      paths: ['/payload/a', '/payload/b'],
      want: { a: R, b: R },
      applied: ['/payload/a', '/payload/b'],
    },
    {
      note: 'a missing field is reported, not an error',
      payload: { a: 1 },
      paths: ['/payload/b'],
      want: { a: 1 },
      applied: [],
      unmatched: ['/payload/b'],
    },
    {
      note: 'an index past the end matches nothing',
      payload: { a: [1] },
      paths: ['/payload/a/1'],
      want: { a: [1] },
      applied: [],
      unmatched: ['/payload/a/1'],
    },
    {
      note: 'an index with a leading zero matches nothing',
      payload: { a: [1, 2] },
      paths: ['/payload/a/01'],
      want: { a: [1, 2] },
      applied: [],
      unmatched: ['/payload/a/01'],
    },
    {
      note: 'the "-" index matches nothing',
      payload: { a: [1] },
      paths: ['/payload/a/-'],
      want: { a: [1] },
      applied: [],
      unmatched: ['/payload/a/-'],
    },
    {
      note: 'a key under a string matches nothing',
      payload: { a: 'text' },
      paths: ['/payload/a/length'],
      want: { a: 'text' },
      applied: [],
      unmatched: ['/payload/a/length'],
    },
    {
      note: 'a wildcard over a scalar matches nothing',
      payload: { a: 5 },
      paths: ['/payload/a/*'],
      want: { a: 5 },
      applied: [],
      unmatched: ['/payload/a/*'],
    },
    {
      note: 'the same value named twice is applied once',
      payload: { a: 1, b: 2 },
      paths: ['/payload/a', '/payload/*'],
      want: { a: R, b: R },
      applied: ['/payload/a', '/payload/b'],
    },
    {
      note: 'an ancestor and its descendant',
      payload: { a: { b: 1 } },
      paths: ['/payload/a', '/payload/a/b'],
      want: { a: R },
      applied: ['/payload/a', '/payload/a/b'],
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const out = redact(c.payload, ...c.paths);
      assert.deepEqual(out.payload, c.want);
      assert.deepEqual(
        out.applied.map((a) => a.path),
        c.applied,
      );
      assert.deepEqual(
        out.unmatched.map((u) => u.path),
        c.unmatched ?? [],
      );
    });
  }

  it('keeps the reason of the first redaction that named a value', () => {
    const out = applyRedactions({ a: 1 }, [
      { path: '/payload/a', reason: 'first' },
      { path: '/payload/*', reason: 'second' },
    ]);
    assert.deepEqual(out.applied, [{ path: '/payload/a', reason: 'first' }]);
  });

  it('never mutates its input', () => {
    const payload = { a: { b: [1, 'secret value'] }, c: 'has secret value inside' };
    const before = structuredClone(payload);
    redact(payload, '/payload/a/b/1');
    assert.deepEqual(payload, before);
  });

  it('rejects the whole set when one path is malformed, before doing any work', () => {
    assert.throws(() => redact({ a: 1 }, '/payload/a', '/payload/~x'), RedactionPathError);
  });
});

describe('prototype pollution', () => {
  it('treats __proto__, constructor and prototype as plain data keys', () => {
    const payload = JSON.parse(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"x":1}},"prototype":"p"}',
    ) as unknown;
    const out = redact(
      payload,
      '/payload/__proto__/polluted',
      '/payload/constructor/prototype/x',
      '/payload/prototype',
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(out.payload), Object.prototype);
    assert.equal(
      JSON.stringify(out.payload),
      `{"__proto__":{"polluted":"${R}"},"constructor":{"prototype":{"x":"${R}"}},"prototype":"${R}"}`,
    );
    assert.equal(out.applied.length, 3);
  });

  it('does not walk into inherited properties', () => {
    const out = redact(
      { a: {} },
      '/payload/a/constructor',
      '/payload/a/__proto__',
      '/payload/a/toString',
      '/payload/a/hasOwnProperty',
    );
    assert.deepEqual(out.applied, []);
    assert.equal(out.unmatched.length, 4);
  });

  it('copies an own __proto__ key as data, never as the prototype of the copy', () => {
    const payload = JSON.parse('{"x":{"__proto__":{"admin":true}}}') as unknown;
    const out = redact(payload, '/payload/nothing').payload as { x: object };
    assert.equal(Object.getPrototypeOf(out.x), Object.prototype);
    assert.equal((out.x as { admin?: boolean }).admin, undefined);
    assert.ok(Object.hasOwn(out.x, '__proto__'));
  });
});

describe('fan-out limit', () => {
  const big = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, ssn: `ssn-${i}` })) };

  it('allows exactly the limit', () => {
    const out = applyRedactions(big, [{ path: '/payload/items/*/ssn', reason: 'r' }], { maxMatches: 50 });
    assert.equal(out.applied.length, 50);
  });

  it('throws a typed error past the limit so the caller can deny', () => {
    assert.throws(
      () => applyRedactions(big, [{ path: '/payload/items/*/ssn', reason: 'r' }], { maxMatches: 49 }),
      (err: unknown) =>
        err instanceof RedactionLimitError && err.code === 'redaction_limit_exceeded' && err.limit === 49,
    );
  });

  it('bounds the nodes all patterns together may visit', () => {
    const wide = { items: Array.from({ length: 5000 }, () => ({})) };
    const patterns = Array.from({ length: 201 }, (_, i) => ({ path: `/payload/items/*/x${i}`, reason: 'r' }));
    assert.throws(
      () => applyRedactions(wide, patterns, { maxMatches: 10 }),
      (err: unknown) => err instanceof RedactionLimitError && err.limit === 1_000_000,
    );
    assert.equal(applyRedactions(wide, patterns.slice(0, 150), { maxMatches: 10 }).unmatched.length, 150);
  });

  it('counts distinct paths across all redactions', () => {
    assert.throws(
      () =>
        applyRedactions(
          big,
          [
            { path: '/payload/items/*/ssn', reason: 'r' },
            { path: '/payload/items/*/id', reason: 'r' },
          ],
          { maxMatches: 60 },
        ),
      RedactionLimitError,
    );
    const same = applyRedactions(
      big,
      [
        { path: '/payload/items/*/ssn', reason: 'r' },
        { path: '/payload/items/*/ssn', reason: 'again' },
      ],
      { maxMatches: 50 },
    );
    assert.equal(same.applied.length, 50);
  });
});

describe('redaction that holds', () => {
  const cases: { note: string; payload: unknown; paths: string[]; want: unknown }[] = [
    {
      note: 'a removed salary does not survive in free text',
      payload: { salary: 85000, text: 'Alice earns 85000 a year (85,000).' },
      paths: ['/payload/salary'],
      want: { salary: R, text: `Alice earns ${R} a year (${R}).` },
    },
    {
      note: 'a removed string is masked in other strings',
      payload: { email: 'alice@acme.io', note: 'write to alice@acme.io or Alice@acme.io' },
      paths: ['/payload/email'],
      want: { email: R, note: `write to ${R} or Alice@acme.io` },
    },
    {
      note: 'short values are not propagated (they would mask ordinary words)',
      payload: { code: 'abc', text: 'abc is a common word' },
      paths: ['/payload/code'],
      want: { code: R, text: 'abc is a common word' },
    },
    {
      note: 'numbers with fewer than four digits are not propagated',
      payload: { age: 42, text: 'aged 42' },
      paths: ['/payload/age'],
      want: { age: R, text: 'aged 42' },
    },
    {
      note: 'every value inside a removed subtree is propagated, keys included',
      payload: {
        contact: { 'Alice Smith': { phone: '+1 415 555 0100' } },
        log: 'called Alice Smith on +1 415 555 0100',
      },
      paths: ['/payload/contact'],
      want: { contact: R, log: `called ${R} on ${R}` },
    },
    {
      note: 'an equal number elsewhere is replaced',
      payload: { salary: 85000, copy: { total: 85000, other: 12 } },
      paths: ['/payload/salary'],
      want: { salary: R, copy: { total: R, other: 12 } },
    },
    {
      note: 'a key that holds a removed value is masked, keeping both entries on collision',
      payload: { name: 'Carol Jones', byName: { 'Carol Jones': 1, [R]: 2 } },
      paths: ['/payload/name'],
      want: { name: R, byName: { [R]: 1, [`${R}#2`]: 2 } },
    },
    {
      note: 'overlapping occurrences of two removed values become one marker',
      payload: { a: 'alice', b: 'alice@acme.io', text: 'to alice@acme.io!' },
      paths: ['/payload/a', '/payload/b'],
      want: { a: R, b: R, text: `to ${R}!` },
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      assert.deepEqual(redact(c.payload, ...c.paths).payload, c.want);
    });
  }

  it('reports which other values were masked', () => {
    const out = redact({ salary: 85000, text: 'earns 85000', n: [85000] }, '/payload/salary');
    assert.deepEqual(out.propagated.sort(), ['/payload/n/0', '/payload/text']);
  });

  it('masks values removed by other means (alsoRemove)', () => {
    const out = applyRedactions({ a: 'mail bob@x.io', b: 'bob@x.io again' }, [], { alsoRemove: ['bob@x.io'] });
    assert.deepEqual(out.payload, { a: `mail ${R}`, b: `${R} again` });
  });

  it('is idempotent', () => {
    const payload = { salary: 85000, text: 'earns 85000', byName: { 'Carol Jones': 1 }, name: 'Carol Jones' };
    const once = redact(payload, '/payload/salary', '/payload/name');
    const twice = redact(once.payload, '/payload/salary', '/payload/name');
    assert.deepEqual(twice.payload, once.payload);
  });

  it('writes removed numbers the ways they appear in text', () => {
    assert.deepEqual(numberTexts(1234567), ['1234567', '1,234,567']);
    assert.deepEqual(numberTexts(-85000), ['85000', '85,000']);
    assert.deepEqual(numberTexts(3.14159), ['3.14159']);
    assert.deepEqual(numberTexts(123), []);
  });
});
