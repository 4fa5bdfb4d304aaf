/**
 * OPA's Data API on regent's engine, over real HTTP on a bundle built by the real OPA toolchain
 * (test/fixtures/policies/data-api): OPA's bodies and codes, the pretty/metrics/provenance
 * parameters, and paths that are refused rather than turned into a different question.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestBundle, faultBundle } from '../support/bundles.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const FIXTURE = 'test/fixtures/policies/data-api';
const UUID = /^[0-9a-f-]{36}$/;

interface Case {
  note: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  /** Wanted body fields (compared with deepEqual); `absent` lists keys that must not be there. */
  want?: Record<string, unknown>;
  absent?: string[];
}

const CASES: Case[] = [
  {
    note: 'POST with an input evaluates the entrypoint on it',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '{"input":{"a":1}}',
    status: 200,
    want: { result: { input: { a: 1 } } },
    absent: ['warning'],
  },
  {
    note: 'a falsy input is still an input',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '{"input":false}',
    status: 200,
    want: { result: { input: false } },
  },
  {
    note: "POST without an 'input' key evaluates with no input and warns as OPA does",
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '{}',
    status: 200,
    want: {
      result: 'no input',
      warning: { code: 'api_usage_warning', message: "'input' key missing from the request" },
    },
  },
  {
    note: 'POST with no body at all is the same as an empty object',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    status: 200,
    want: { result: 'no input' },
  },
  {
    note: 'GET evaluates with no input',
    method: 'GET',
    path: '/v1/data/dataapi/echo',
    status: 200,
    want: { result: 'no input' },
    absent: ['warning'],
  },
  {
    note: 'GET takes an input as a JSON query parameter, as OPA does',
    method: 'GET',
    path: '/v1/data/dataapi/echo?input=%7B%22a%22%3A2%7D',
    status: 200,
    want: { result: { input: { a: 2 } } },
  },
  {
    note: 'an undefined document is 200 without a result',
    method: 'POST',
    path: '/v1/data/dataapi/maybe',
    body: '{"input":{"flag":false}}',
    status: 200,
    absent: ['result'],
  },
  {
    note: 'a defined document carries its result',
    method: 'POST',
    path: '/v1/data/dataapi/maybe',
    body: '{"input":{"flag":true}}',
    status: 200,
    want: { result: 'yes' },
  },
  {
    note: 'an evaluation error is a 500 evaluation_error, never a result',
    method: 'POST',
    path: '/v1/data/dataapi/conflict',
    body: '{"input":{"values":[1,2]}}',
    status: 500,
    want: { code: 'evaluation_error' },
    absent: ['result', 'decision_id'],
  },
  {
    note: 'a rule that is not a compiled entrypoint is not queryable',
    method: 'GET',
    path: '/v1/data/dataapi/secret',
    status: 404,
    want: { code: 'resource_not_found' },
    absent: ['result'],
  },
  {
    note: 'an unknown path is a 404',
    method: 'POST',
    path: '/v1/data/dataapi/nope',
    body: '{"input":1}',
    status: 404,
    want: { code: 'resource_not_found' },
  },
  {
    note: 'the whole data document is not queryable',
    method: 'GET',
    path: '/v1/data',
    status: 404,
    want: { code: 'resource_not_found' },
  },
  {
    note: 'a package is not an entrypoint',
    method: 'GET',
    path: '/v1/data/dataapi',
    status: 404,
    want: { code: 'resource_not_found' },
  },
  {
    note: 'a quoted segment (%22) is refused, not parsed as a ref',
    method: 'GET',
    path: '/v1/data/dataapi/%22echo%22',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a raw quote in a segment is refused',
    method: 'GET',
    path: '/v1/data/dataapi/"echo"',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'an encoded slash is refused, not read as a separator',
    method: 'GET',
    path: '/v1/data/dataapi%2Fecho',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a dot-dot segment is refused, not resolved',
    method: 'GET',
    path: '/v1/data/dataapi/../dataapi/echo',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'an encoded dot-dot is refused',
    method: 'GET',
    path: '/v1/data/dataapi/%2E%2E/dataapi/echo',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'an empty segment (//) is refused',
    method: 'GET',
    path: '/v1/data/dataapi//echo',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a trailing slash is refused',
    method: 'GET',
    path: '/v1/data/dataapi/echo/',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'malformed percent-encoding is a 400, not a 500',
    method: 'GET',
    path: '/v1/data/dataapi/%zz',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'Rego ref syntax in a segment is refused',
    method: 'GET',
    path: '/v1/data/dataapi/echo[0]',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a body that is not JSON is a 400',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '{"input":',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a body that is not an object is a 400, as in OPA',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '[1]',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a prototype-pollution key is refused like any body',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: '{"input":{"__proto__":{"x":1}}}',
    status: 400,
    want: { code: 'invalid_parameter' },
  },
  {
    note: 'a body that is not JSON by content type is a 415',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: 'input=1',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    want: { code: 'unsupported_media_type' },
  },
  {
    note: 'the default decision evaluates system.main on the body as input',
    method: 'POST',
    path: '/',
    body: '{"x":1}',
    status: 200,
    want: { hello: { x: 1 } },
  },
  {
    note: 'the default decision with an empty body sees a null input, as in OPA',
    method: 'POST',
    path: '/',
    status: 200,
    want: { hello: null },
  },
];

describe('OPA Data API: /v1/data and POST /', () => {
  let server: TestServer;
  let revision: string;
  before(async () => {
    const bundle = await buildTestBundle(FIXTURE);
    revision = bundle.revision;
    server = await startRegent({ bundlePath: bundle.file, evalWorkers: 1 });
  });
  after(async () => server.close());

  for (const c of CASES) {
    it(c.note, async () => {
      const res = await rawRequest(server.url, c.method, c.path, c.body, c.headers);
      assert.equal(res.status, c.status, res.text);
      assert.match(String(res.headers['content-type']), /application\/json/);
      for (const [key, value] of Object.entries(c.want ?? {}))
        assert.deepEqual(res.body[key], value, `${key} in ${res.text}`);
      for (const key of c.absent ?? []) assert.ok(!(key in res.body), `${key} must be absent: ${res.text}`);
      if (c.status === 200 && c.path.startsWith('/v1/data')) assert.match(res.body.decision_id, UUID);
    });
  }

  it('indents the body with ?pretty', async () => {
    const res = await rawRequest(server.url, 'GET', '/v1/data/dataapi/echo?pretty');
    assert.ok(res.text.startsWith('{\n  "decision_id"'), res.text);
    const plain = await rawRequest(server.url, 'GET', '/v1/data/dataapi/echo?pretty=false');
    assert.ok(!plain.text.includes('\n'), plain.text);
  });

  it("reports OPA's timers with ?metrics", async () => {
    const res = await rawRequest(server.url, 'POST', '/v1/data/dataapi/echo?metrics=true', '{"input":1}');
    for (const timer of ['timer_rego_input_parse_ns', 'timer_rego_query_eval_ns', 'timer_server_handler_ns']) {
      assert.equal(typeof res.body.metrics[timer], 'number', timer);
    }
    assert.ok(res.body.metrics.timer_server_handler_ns >= res.body.metrics.timer_rego_query_eval_ns);
  });

  it('names the revision that answered with ?provenance', async () => {
    const res = await rawRequest(server.url, 'GET', '/v1/data/dataapi/echo?provenance');
    assert.equal(typeof res.body.provenance.version, 'string');
    assert.deepEqual(res.body.provenance.bundles, { regent: { revision } });
  });

  it('counts evaluations by result in metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const result of ['defined', 'undefined', 'error', 'unknown_path']) {
      const line = text.split('\n').find((l) => l.startsWith(`regent_data_api_requests_total{result="${result}"}`));
      assert.ok(line !== undefined && Number(line.split(' ')[1]) > 0, `${result}: ${line}`);
    }
  });

  it('refuses a body over the size bound with 413', async () => {
    const big = JSON.stringify({ input: 'x'.repeat(server.regent.config.maxBodyBytes) });
    const res = await rawRequest(server.url, 'POST', '/v1/data/dataapi/echo', big);
    assert.equal(res.status, 413, res.text);
  });

  it('answers POST / with 404 undefined_document when the revision has no system.main', async () => {
    await server.regent.policies.loadBytes((await faultBundle('undefined')).bytes, 'test');
    const res = await rawRequest(server.url, 'POST', '/', '{"x":1}');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { code: 'undefined_document', message: 'document missing: data.system.main' });
  });
});

describe('OPA Data API before any revision is active', () => {
  it('answers 503 not_ready, never a result', async () => {
    const server = await startRegent({ bundlePath: '/nonexistent/bundle.tar.gz', evalWorkers: 0 });
    try {
      const res = await rawRequest(server.url, 'GET', '/v1/data/dataapi/echo');
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'not_ready');
    } finally {
      await server.close();
    }
  });
});
