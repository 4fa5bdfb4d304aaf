/**
 * A known route asked with a method it does not answer gets 405, a JSON error body and an
 * `Allow` header listing the methods it does answer; an unknown path stays 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

/** Wanted `Allow` per path, as a reader of the route files would write it. */
const CASES: { note: string; path: string; method: string; allow: string }[] = [
  { note: 'liveness is read-only', path: '/health/live', method: 'POST', allow: 'GET, HEAD' },
  { note: 'readiness is read-only', path: '/health/ready', method: 'DELETE', allow: 'GET, HEAD' },
  { note: "OPA's health is read-only", path: '/health', method: 'PUT', allow: 'GET, HEAD' },
  { note: 'metrics are scraped with GET', path: '/metrics', method: 'POST', allow: 'GET, HEAD' },
  { note: 'decisions are POSTed', path: '/v1/decisions', method: 'GET', allow: 'POST' },
  { note: 'batches are POSTed', path: '/v1/decisions/batch', method: 'PUT', allow: 'POST' },
  { note: 'Data API reads', path: '/v1/data/regent/decision', method: 'PUT', allow: 'GET, HEAD, POST' },
  { note: 'Data API root', path: '/v1/data', method: 'DELETE', allow: 'GET, HEAD, POST' },
  { note: "OPA's default query", path: '/', method: 'GET', allow: 'POST' },
  { note: 'a session is read or forgotten', path: '/v1/sessions/s-1', method: 'POST', allow: 'DELETE, GET, HEAD' },
  { note: "a session's steps are read", path: '/v1/sessions/s-1/steps', method: 'DELETE', allow: 'GET, HEAD' },
  { note: 'shadow mode', path: '/v1/shadow', method: 'POST', allow: 'DELETE, GET, HEAD, PUT' },
  { note: 'shadow rebuild', path: '/v1/shadow/rebuild', method: 'GET', allow: 'POST' },
  { note: 'status', path: '/v1/status', method: 'POST', allow: 'GET, HEAD' },
  { note: 'audit reads', path: '/v1/audit', method: 'DELETE', allow: 'GET, HEAD' },
  { note: 'policy list', path: '/v1/policies', method: 'POST', allow: 'GET, HEAD' },
  { note: 'one policy', path: '/v1/policies/a/b.rego', method: 'POST', allow: 'DELETE, GET, HEAD, PUT' },
];

describe('wrong method on a known route', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  for (const c of CASES) {
    it(`answers ${c.method} ${c.path} with 405 and Allow: ${c.allow} (${c.note})`, async () => {
      const res = await rawRequest(server.url, c.method, c.path);
      assert.equal(res.status, 405, res.text);
      assert.equal(res.headers['allow'], c.allow);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.body.code, 'method_not_allowed');
      assert.equal(res.body.message, `${c.method} is not allowed on ${c.path}`);
    });
  }

  it('answers every route of the router stack with 405 for a method none of its routes take', async () => {
    const patterns = routePatterns(server.regent.app);
    assert.ok(patterns.length >= 15, `found only ${patterns.length} routes`);
    for (const pattern of patterns) {
      const path = samplePath(pattern);
      const res = await rawRequest(server.url, 'PATCH', path);
      assert.equal(res.status, 405, `PATCH ${path} (route ${pattern}): ${res.text}`);
      assert.ok(String(res.headers['allow']).length > 0);
    }
  });

  it('answers OPTIONS on every route with the same methods as its 405, and OPTIONS', async () => {
    for (const pattern of routePatterns(server.regent.app)) {
      const path = samplePath(pattern);
      const wrong = await rawRequest(server.url, 'PATCH', path);
      const res = await rawRequest(server.url, 'OPTIONS', path);
      assert.equal(res.status, 204, `OPTIONS ${path}: ${res.text}`);
      assert.equal(res.headers['allow'], `${String(wrong.headers['allow'])}, OPTIONS`, `OPTIONS ${path}`);
    }
  });

  // The authorize router tags GET /v1/approvals{/*rest} with its scope; express's own OPTIONS
  // answer counted that tag as a GET route of the approve and reject paths.
  it('does not advertise GET on the approve and reject paths', async () => {
    for (const verb of ['approve', 'reject']) {
      const res = await rawRequest(server.url, 'OPTIONS', `/v1/approvals/x/${verb}`);
      assert.equal(res.status, 204);
      assert.equal(res.headers['allow'], 'POST, OPTIONS');
    }
  });

  it('answers OPTIONS on a path no route has with 404', async () => {
    for (const path of ['/v1/nothing-here', '/v1/approvals/x/y/z']) {
      const res = await rawRequest(server.url, 'OPTIONS', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.code, 'resource_not_found');
    }
  });

  it('still answers 404 for a path no route has', async () => {
    const res = await rawRequest(server.url, 'GET', '/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.headers['allow'], undefined);
    assert.equal(res.body.code, 'resource_not_found');
  });

  it('keeps the right method working and the decision body shape on a 405', async () => {
    const ok = await rawRequest(server.url, 'GET', '/health/live');
    assert.equal(ok.status, 200);
    const wrong = await rawRequest(server.url, 'DELETE', '/v1/decisions');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.decision, 'deny');
  });
});

/** Every route path of the app (PATCH is used by none of them). */
function routePatterns(app: unknown): string[] {
  type Layer = {
    route?: { path: string; methods: Record<string, boolean> };
    handle: { stack?: Layer[] };
    slash?: boolean;
  };
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        if (layer.route.methods['_all'] !== true && layer.route.methods['patch'] !== true) out.push(layer.route.path);
        // A router mounted under a path (SCIM at /scim/v2, scimmy-routers) answers for itself.
      } else if (Array.isArray(layer.handle.stack) && layer.slash !== false) walk(layer.handle.stack);
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(out)];
}

/** A concrete path matching an express 5 pattern: parameters become `x`, optional groups are dropped. */
function samplePath(pattern: string): string {
  return pattern.replace(/\{[^}]*\}/g, '').replace(/:[A-Za-z_]+/g, 'x') || '/';
}
