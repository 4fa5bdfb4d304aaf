/**
 * The OpenAPI document describes exactly the API regent serves: it is a valid OpenAPI 3.1
 * document (checked by a maintained validator), every route of the router stack has its path
 * and method in it and nothing else is in it, its request schemas are the validators' own, every
 * error code regent raises is named, and it is served without a credential.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DECISION_REQUEST_SCHEMA } from '../../src/decision/decision-request.ts';
import { mountedRoutes, openApiPathsOf } from '../../src/http/openapi/route-inventory.ts';
import { ERROR_CODES } from '../../src/http/openapi/schemas.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown> };
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'trace'];

describe('GET /v1/openapi.json', () => {
  const admin = makeToken('ops', ['admin', 'decide', 'metrics']);
  let server: SecureServer;
  let doc: Doc;
  before(async () => {
    server = await startSecureRegent({ tokens: [admin], config: { bundlePath: (await regoBundle()).file } });
    const res = await server.request('GET', '/v1/openapi.json');
    assert.equal(res.status, 200, res.text);
    doc = res.body as Doc;
  });
  after(async () => server.close());

  it('is served without a credential while every other route needs one', async () => {
    const res = await server.request('GET', '/v1/openapi.json');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal((await server.request('GET', '/v1/status')).status, 401);
    assert.deepEqual(doc.paths['/v1/openapi.json']?.['get']?.security, []);
  });

  it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  it('holds schemas that compile as JSON Schema 2020-12 in strict mode', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, validateFormats: false });
    ajv.addKeyword('components'); // the wrapper that lets `#/components/schemas/...` refs resolve
    ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
    for (const name of Object.keys(doc.components.schemas)) {
      assert.doesNotThrow(() => ajv.getSchema(`doc#/components/schemas/${name}`), name);
    }
  });

  it('has a path and method for every route of the router stack', () => {
    const routes = mountedRoutes(server.regent.app);
    assert.ok(routes.length >= 20, `found only ${routes.length} routes`);
    const missing: string[] = [];
    for (const route of routes) {
      assert.ok(route.methods.length > 0 && !route.methods.includes('_all'), `${route.pattern} answers every method`);
      for (const p of openApiPathsOf(route.pattern)) {
        for (const m of route.methods) if (doc.paths[p]?.[m] === undefined) missing.push(`${m.toUpperCase()} ${p}`);
      }
    }
    assert.deepEqual(
      missing,
      [],
      'routes without an OpenAPI operation: describe them in src/http/openapi/openapi-document.ts',
    );
  });

  it('describes no operation that no route answers', () => {
    const served = new Set<string>();
    for (const route of mountedRoutes(server.regent.app))
      for (const p of openApiPathsOf(route.pattern)) for (const m of route.methods) served.add(`${m} ${p}`);
    for (const [p, item] of Object.entries(doc.paths))
      for (const m of Object.keys(item).filter((k) => METHODS.includes(k)))
        assert.ok(served.has(`${m} ${p}`), `${m.toUpperCase()} ${p} is documented but not routed`);
  });

  it('documents 401 and 403 on every authenticated operation and 413/415 where a JSON body is read', () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(item)) {
        if (op.security === undefined) assert.ok(op.responses['401'] && op.responses['403'], `${m} ${p}`);
        const body = (op as { requestBody?: { content: Record<string, unknown> } }).requestBody;
        if (body?.content['application/json'] !== undefined)
          assert.ok(op.responses['413'] && op.responses['415'], `${m} ${p}`);
      }
    }
  });

  it('takes the decision request schema from the validator itself', () => {
    const { $id: _id, ...schema } = DECISION_REQUEST_SCHEMA;
    assert.deepEqual(doc.components.schemas['DecisionRequest'], JSON.parse(JSON.stringify(schema)));
    const batch = doc.paths['/v1/decisions/batch']?.['post'] as unknown as {
      requestBody: {
        content: { 'application/json': { schema: { properties: { decisions: Record<string, unknown> } } } };
      };
    };
    const items = batch.requestBody.content['application/json'].schema.properties.decisions;
    assert.deepEqual(items['items'], { $ref: '#/components/schemas/DecisionRequest' });
    assert.equal(items['maxItems'], server.regent.config.maxBatch);
  });

  it('names every error code regent raises', async () => {
    const raised = new Set<string>();
    for (const file of await sourceFiles(path.join(REPO_ROOT, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/super\('([a-z_.]+)', \d{3}/g)) raised.add(m[1] as string);
      for (const m of text.matchAll(/new RegentError\('([a-z_.]+)', \d{3}/g)) raised.add(m[1] as string);
      for (const m of text.matchAll(/new NotFoundError\([^;]*?, '([a-z_.]+)'\)/g)) raised.add(m[1] as string);
    }
    assert.ok(raised.size >= 15, [...raised].join(' '));
    const named = new Set<string>(ERROR_CODES);
    assert.deepEqual([...raised].filter((c) => !named.has(c)).sort(), []);
  });
});

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith('.ts')) out.push(path.join(entry.parentPath, entry.name));
  return out;
}
