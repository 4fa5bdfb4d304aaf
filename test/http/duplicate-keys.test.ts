/**
 * Duplicate keys in a JSON body are refused: JSON.parse keeps the last of two equal keys while
 * other parsers keep the first, so `{"action": {"kind": "delete", "kind": "read"}}` would be
 * audited as a read and run as a delete. The scanner first, then every route that parses a body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { duplicateKeyMessage, findDuplicateKey } from '../../src/http/middleware/duplicate-keys.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

/** Every character as `\uXXXX`: the same key, spelled differently. */
function escapeAll(key: string): string {
  let out = '"';
  for (let i = 0; i < key.length; i++) out += '\\u' + key.charCodeAt(i).toString(16).padStart(4, '0');
  return out + '"';
}

describe('findDuplicateKey', () => {
  const rows: { note: string; text: string; want: { key: string; pointer: string } | null }[] = [
    { note: 'a duplicate at the top level', text: '{"a":1,"b":2,"a":3}', want: { key: 'a', pointer: '' } },
    {
      note: 'a duplicate in a nested object',
      text: '{"action": {"kind": "delete", "kind": "read"}}',
      want: { key: 'kind', pointer: '/action' },
    },
    {
      note: 'a duplicate inside an array',
      text: '{"x":[1,{"y":{"z":1,"z":2}}]}',
      want: { key: 'z', pointer: '/x/1/y' },
    },
    { note: 'a duplicate in a top-level array', text: '[{"a":1},{"a":1,"a":2}]', want: { key: 'a', pointer: '/1' } },
    {
      note: 'keys equal after unescaping',
      text: '{"k\\u0069nd":"delete","kind":"read"}',
      want: { key: 'kind', pointer: '' },
    },
    {
      note: 'escaped quotes and slashes in keys',
      text: '{"a\\"b":1,"a\\u0022b":2}',
      want: { key: 'a"b', pointer: '' },
    },
    { note: 'pointer segments escaped', text: '{"a/b~":{"k":1,"k":2}}', want: { key: 'k', pointer: '/a~1b~0' } },
    { note: 'the same key in sibling objects', text: '{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}', want: null },
    { note: 'a key equal to a value', text: '{"a":"a","b":{"a":"b"}}', want: null },
    {
      note: 'strings holding braces, quotes and commas',
      text: '{"s":"}{\\"a\\":1,\\"a\\":2}","t":"[\\\\","a":{"u":"\\\\\\"}"},"b":1}',
      want: null,
    },
    {
      note: 'a duplicate after a string of backslashes',
      text: '{"s":"\\\\\\\\","s":1}',
      want: { key: 's', pointer: '' },
    },
    { note: 'keys differing only by case', text: '{"Kind":1,"kind":2}', want: null },
    { note: 'scalars', text: '"a" 1 true null', want: null },
    { note: 'malformed JSON (left to JSON.parse)', text: '{"a":"unterminated', want: null },
  ];
  for (const row of rows) {
    it(`${row.want === null ? 'accepts' : 'finds'} ${row.note}`, () => {
      assert.deepEqual(findDuplicateKey(row.text), row.want);
    });
  }

  it('stops looking past maxDepth, which the depth check refuses anyway', () => {
    const deep = '['.repeat(10) + '{"a":1,"a":2}' + ']'.repeat(10);
    assert.deepEqual(findDuplicateKey(deep), { key: 'a', pointer: '/0/0/0/0/0/0/0/0/0/0' });
    assert.equal(findDuplicateKey(deep, 5), null);
  });

  it('walks a million levels without recursion', () => {
    assert.equal(findDuplicateKey('['.repeat(1_000_000) + ']'.repeat(1_000_000)), null);
  });

  it('names the key and the pointer, shortening a long key', () => {
    assert.equal(duplicateKeyMessage({ key: 'kind', pointer: '/action' }), 'duplicate key "kind" at /action');
    assert.equal(duplicateKeyMessage({ key: 'a', pointer: '' }), 'duplicate key "a" at the top level');
    assert.match(duplicateKeyMessage({ key: 'x'.repeat(500), pointer: '' }), /^duplicate key "x{64}\.\.\." at/);
  });

  it('never reports a duplicate in JSON.stringify output (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.equal(findDuplicateKey(JSON.stringify(v)), null);
      }),
      { numRuns: 500 },
    );
  });

  it('finds a key repeated under another spelling anywhere in a document (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.nat(3), (v, key, depth) => {
        let text = `{"v":${JSON.stringify(v)},${JSON.stringify(key)}:1,${escapeAll(key)}:2}`;
        for (let d = 0; d < depth; d++) text = `[${JSON.stringify(v)},{"n":${text}}]`;
        assert.deepEqual(findDuplicateKey(text), { key, pointer: '/1/n'.repeat(depth) });
      }),
      { numRuns: 500 },
    );
  });
});

describe('duplicate keys over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  const decision =
    '{"agent":{"id":"hr-assistant"},"action":{"tool":"files.delete","kind":"delete","kind":"read"},"payload":{}}';
  const routes: { note: string; path: string; body: string; message: string }[] = [
    { note: 'POST /v1/decisions', path: '/v1/decisions', body: decision, message: 'duplicate key "kind" at /action' },
    {
      note: 'POST /v1/decisions/batch',
      path: '/v1/decisions/batch',
      body: `{"decisions":[{"agent":{"id":"a"},"action":{"tool":"t","kind":"read"}},${decision}]}`,
      message: 'duplicate key "kind" at /decisions/1/action',
    },
    {
      note: 'POST /v1/data/...',
      path: '/v1/data/regent/decision',
      body: `{"input":${decision}}`,
      message: 'duplicate key "kind" at /input/action',
    },
    {
      note: 'POST /v1/data/... with escaped-equal keys at the top level',
      path: '/v1/data/regent/decision',
      body: '{"input":{},"\\u0069nput":{}}',
      message: 'duplicate key "input" at the top level',
    },
  ];
  for (const r of routes) {
    it(`refuses a duplicate key on ${r.note} with a 400 naming key and pointer`, async () => {
      const res = await server.post(r.path, r.body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'invalid_parameter');
      assert.equal(res.body.message, r.message);
      assert.equal(res.body.errors?.[0]?.code, 'duplicate_key');
    });
  }

  it('still accepts the same key in sibling objects', async () => {
    const res = await server.post(
      '/v1/decisions',
      '{"agent":{"id":"hr-assistant"},"action":{"tool":"workday.read_employee","kind":"read"},"payload":{"a":{"id":1},"b":{"id":2}}}',
    );
    assert.equal(res.status, 200, res.text);
  });
});
