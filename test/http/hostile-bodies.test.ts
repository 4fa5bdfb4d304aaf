/**
 * 1,000 hostile request bodies (malformed JSON, wrong media types, oversized, too deep, schema
 * violations, prototype-pollution keys): every one gets a JSON 4xx, none is an allow, the process
 * keeps serving, and Object.prototype is untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const MAX_BODY = 8 * 1024;
const valid = {
  agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', clearance: 'confidential' } },
  action: { tool: 'slack.post_message', kind: 'send' },
  data_flow: { destination: { system: 'slack', audience: 'team' } },
  payload: { text: 'hi' },
};

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Hostile {
  note: string;
  body: string;
  contentType: string;
}

function hostileBodies(count: number): Hostile[] {
  const rand = prng(20261123);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const json = JSON.stringify(valid);
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const pollution = [
    `{"__proto__":{"polluted":"yes"},"agent":{"id":"x"},"action":{"tool":"t","kind":"read"}}`,
    `{"agent":{"id":"x","__proto__":{"isAdmin":true}},"action":{"tool":"t","kind":"read"}}`,
    `{"agent":{"id":"x"},"action":{"tool":"t","kind":"read"},"payload":{"__proto__":{"polluted":"yes"}}}`,
    `{"agent":{"id":"x"},"action":{"tool":"t","kind":"read"},"context":{"constructor":{"prototype":{"polluted":"yes"}}}}`,
    `{"agent":{"id":"x"},"action":{"tool":"t","kind":"read"},"payload":[{"a":{"__proto__":{"polluted":1}}}]}`,
    `{"constructor":{"prototype":{"polluted":"yes"}},"agent":{"id":"x"},"action":{"tool":"t","kind":"read"}}`,
  ];
  const generators: (() => Hostile)[] = [
    () => ({
      note: 'truncated JSON',
      body: json.slice(0, 1 + Math.floor(rand() * (json.length - 2))),
      contentType: 'application/json',
    }),
    () => ({
      note: 'random bytes',
      body: Array.from({ length: 1 + Math.floor(rand() * 200) }, () =>
        String.fromCharCode(Math.floor(rand() * 256)),
      ).join(''),
      contentType: 'application/json',
    }),
    () => ({
      note: 'wrong media type',
      body: json,
      contentType: pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
      ]),
    }),
    () => ({
      note: 'oversized',
      body: JSON.stringify({ ...valid, payload: { text: 'x'.repeat(MAX_BODY + Math.floor(rand() * MAX_BODY)) } }),
      contentType: 'application/json',
    }),
    () => ({
      note: 'too deep',
      body: JSON.stringify({ ...valid, payload: JSON.parse(deep(65 + Math.floor(rand() * 100))) }),
      contentType: 'application/json',
    }),
    () => ({ note: 'prototype pollution', body: pick(pollution), contentType: 'application/json' }),
    () => ({
      note: 'not an object',
      body: pick(['null', '1', '"x"', '[]', 'true', '[{"agent":{"id":"x"}}]']),
      contentType: 'application/json',
    }),
    () => {
      const mutations: ((v: any) => void)[] = [
        (v) => delete v.agent,
        (v) => delete v.action.kind,
        (v) => (v.action.kind = pick(['READ', 'admin', '', 7, null])),
        (v) => (v.agent.id = pick(['', 42, null, {}, 'x'.repeat(300)])),
        (v) => (v.unknown_field = true),
        (v) => (v.action.tool = pick(['rm -rf /', 'a b', '', 'x'.repeat(300)])),
        (v) => (v.data_flow.sources = Array.from({ length: 65 }, () => ({ system: 's' }))),
        (v) => (v.session = { id: '' }),
        (v) => (v.data_flow.fields = [{ path: '/etc/passwd', labels: ['pii'] }]),
        (v) => (v.agent.roles = 'admin'),
      ];
      const v = structuredClone(valid) as any;
      pick(mutations)(v);
      return { note: 'schema violation', body: JSON.stringify(v), contentType: 'application/json' };
    },
  ];
  return Array.from({ length: count }, () => pick(generators)());
}

describe('hostile request bodies', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({
      bundlePath: (await regoBundle()).file,
      maxBodyBytes: MAX_BODY,
      decisionLog: false,
      logLevel: 'warn',
    });
  });
  after(async () => server.close());

  it('answers 1,000 hostile bodies with JSON 4xx errors, never an allow, and keeps serving', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const statuses = new Map<number, number>();
    for (const h of hostileBodies(1000)) {
      const res = await fetch(server.url + '/v1/decisions', {
        method: 'POST',
        headers: { 'content-type': h.contentType },
        body: h.body,
      });
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `${h.note}: status ${res.status}: ${text.slice(0, 200)}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, h.note);
      const body = JSON.parse(text) as { code?: unknown; message?: unknown; decision?: unknown };
      assert.equal(typeof body.code, 'string', h.note);
      assert.equal(typeof body.message, 'string', h.note);
      assert.notEqual(body.decision, 'allow', h.note);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    assert.deepEqual([...statuses.keys()].sort(), [400, 413, 415], 'every class of rejection was exercised');
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    const ok = await server.post('/v1/decisions', valid);
    assert.equal(ok.status, 200);
    const metrics = (await server.get('/metrics')).text;
    assert.match(metrics, /regent_decisions_total\{decision="allow"\} [01]\n/);
  });
});
