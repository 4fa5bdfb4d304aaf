/**
 * Bearer tokens over real HTTP: which scope each route needs, 401 without or with a bad
 * credential, 403 with a credential lacking the scope, health always open, and every route the
 * app has closed to anonymous callers.
 */
import assert from 'node:assert/strict';
import type { Express } from 'express';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { sampleValue } from '../support/metrics-text.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

const decide = makeToken('agent-gateway', ['decide']);
const admin = makeToken('ops', ['admin']);
const metrics = makeToken('prometheus', ['metrics']);
const everything = makeToken('break-glass', ['decide', 'admin', 'metrics']);
const batch = { decisions: [EXAMPLES.allowInternal] };

describe('API authentication with bearer tokens', () => {
  let server: SecureServer;
  before(async () => {
    server = await startSecureRegent({
      tokens: [decide, admin, metrics, everything],
      config: { bundlePath: (await regoBundle()).file },
    });
  });
  after(async () => server.close());

  const cases: {
    note: string;
    method: string;
    path: string;
    token?: string;
    authorization?: string;
    body?: unknown;
    status: number;
    code?: string;
  }[] = [
    {
      note: 'a decision without a token is 401',
      method: 'POST',
      path: '/v1/decisions',
      body: EXAMPLES.allowInternal,
      status: 401,
      code: 'unauthorized',
    },
    { note: 'metrics without a token are 401', method: 'GET', path: '/metrics', status: 401, code: 'unauthorized' },
    {
      note: 'the audit trail without a token is 401',
      method: 'GET',
      path: '/v1/audit',
      status: 401,
      code: 'unauthorized',
    },
    {
      note: 'a session delete without a token is 401',
      method: 'DELETE',
      path: '/v1/sessions/s1',
      status: 401,
      code: 'unauthorized',
    },
    {
      note: 'an unknown route without a token is 401, not 404 (routes are not revealed)',
      method: 'GET',
      path: '/v1/nothing-here',
      status: 401,
    },
    {
      note: 'a wrong token is 401',
      method: 'POST',
      path: '/v1/decisions',
      token: 'not-a-real-token',
      body: EXAMPLES.allowInternal,
      status: 401,
      code: 'unauthorized',
    },
    {
      note: 'Basic credentials are 401',
      method: 'GET',
      path: '/v1/audit',
      authorization: 'Basic b3BzOm9wcw==',
      status: 401,
    },
    {
      note: 'a decide token decides',
      method: 'POST',
      path: '/v1/decisions',
      token: decide.token,
      body: EXAMPLES.allowInternal,
      status: 200,
    },
    {
      note: 'a decide token decides in batches',
      method: 'POST',
      path: '/v1/decisions/batch',
      token: decide.token,
      body: batch,
      status: 200,
    },
    {
      note: 'a decide token on the audit trail is 403',
      method: 'GET',
      path: '/v1/audit',
      token: decide.token,
      status: 403,
      code: 'forbidden',
    },
    {
      note: 'a decide token on a session is 403',
      method: 'GET',
      path: '/v1/sessions/s1',
      token: decide.token,
      status: 403,
      code: 'forbidden',
    },
    {
      note: 'a decide token deleting a session is 403',
      method: 'DELETE',
      path: '/v1/sessions/s1',
      token: decide.token,
      status: 403,
      code: 'forbidden',
    },
    {
      note: 'a decide token on metrics is 403',
      method: 'GET',
      path: '/metrics',
      token: decide.token,
      status: 403,
      code: 'forbidden',
    },
    {
      note: 'a decide token cannot reach admin routes by changing case',
      method: 'GET',
      path: '/V1/AUDIT',
      token: decide.token,
      status: 403,
    },
    {
      note: 'a decide token cannot reach admin routes with a trailing slash',
      method: 'GET',
      path: '/v1/audit/',
      token: decide.token,
      status: 403,
    },
    {
      note: 'a decide token cannot write OPA data (PUT /v1/data needs admin)',
      method: 'PUT',
      path: '/v1/data/x',
      token: decide.token,
      body: {},
      status: 403,
    },
    { note: 'an admin token reads the audit trail', method: 'GET', path: '/v1/audit', token: admin.token, status: 200 },
    {
      note: 'an admin token asking for an unknown session gets 404',
      method: 'GET',
      path: '/v1/sessions/never-seen',
      token: admin.token,
      status: 404,
      code: 'resource_not_found',
    },
    {
      note: 'an admin token on an unknown route gets 404',
      method: 'GET',
      path: '/v1/nothing-here',
      token: admin.token,
      status: 404,
    },
    {
      note: 'an admin token cannot decide (scopes do not imply one another)',
      method: 'POST',
      path: '/v1/decisions',
      token: admin.token,
      body: EXAMPLES.allowInternal,
      status: 403,
    },
    { note: 'an admin token cannot scrape metrics', method: 'GET', path: '/metrics', token: admin.token, status: 403 },
    { note: 'a metrics token scrapes metrics', method: 'GET', path: '/metrics', token: metrics.token, status: 200 },
    {
      note: 'a metrics token cannot decide',
      method: 'POST',
      path: '/v1/decisions',
      token: metrics.token,
      body: EXAMPLES.allowInternal,
      status: 403,
      code: 'forbidden',
    },
    {
      note: 'a token with every scope does everything',
      method: 'GET',
      path: '/v1/audit',
      token: everything.token,
      status: 200,
    },
    { note: 'liveness is open', method: 'GET', path: '/health/live', status: 200 },
    { note: 'readiness is open', method: 'GET', path: '/health/ready', status: 200 },
    { note: "OPA's /health is open", method: 'GET', path: '/health', status: 200 },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      const res = await server.request(c.method, c.path, {
        ...(c.token === undefined ? {} : { token: c.token }),
        ...(c.authorization === undefined ? {} : { authorization: c.authorization }),
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      assert.equal(res.status, c.status, res.text);
      if (c.code !== undefined) assert.equal(res.body.code, c.code);
      if (c.status === 401) {
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="regent"/);
        assert.equal(typeof res.body.message, 'string');
      }
      if (c.status === 403 && c.token !== undefined)
        assert.match(
          String(res.headers['www-authenticate']),
          /error="insufficient_scope", scope="(admin|decide|metrics)"/,
        );
    });
  }

  it('counts each refusal in regent_auth_failures_total by result, and nothing for admitted requests', async () => {
    const counts = async () => {
      const text = (await server.request('GET', '/metrics', { token: metrics.token })).text;
      const read = (result: string) => sampleValue(text, `regent_auth_failures_total{result="${result}"}`);
      return { missing: read('missing'), invalid: read('invalid'), forbidden: read('forbidden') };
    };
    const before = await counts();
    await server.request('POST', '/v1/decisions', { body: EXAMPLES.allowInternal });
    await server.request('POST', '/v1/decisions', { token: 'not-a-real-token', body: EXAMPLES.allowInternal });
    await server.request('GET', '/v1/audit', { authorization: 'Basic YWRtaW46YWRtaW4=' });
    await server.request('GET', '/v1/audit', { token: decide.token });
    await server.request('POST', '/v1/decisions', { token: decide.token, body: EXAMPLES.allowInternal });
    await server.request('GET', '/v1/audit', { token: admin.token });
    const after = await counts();
    assert.deepEqual(
      {
        missing: after.missing - before.missing,
        invalid: after.invalid - before.invalid,
        forbidden: after.forbidden - before.forbidden,
      },
      { missing: 1, invalid: 2, forbidden: 1 },
    );
  });

  it('tells a caller with a bad token that the token is the problem (RFC 6750 invalid_token)', async () => {
    const res = await server.request('GET', '/v1/audit', { token: 'wrong' });
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="regent", error="invalid_token"');
  });

  it('still denies a decision refused for lack of credentials, in the decision body shape', async () => {
    const res = await server.request('POST', '/v1/decisions', { body: EXAMPLES.allowInternal });
    assert.equal(res.body.decision, 'deny');
  });

  it('never writes a presented token to the logs, and names the caller on its requests', async () => {
    await server.request('POST', '/v1/decisions', { token: decide.token, body: EXAMPLES.allowInternal });
    await server.request('GET', '/v1/audit', { token: 'wrong-token-value' });
    for (const t of [decide, admin, metrics, everything])
      assert.ok(!server.logs().includes(t.token), `log leaks ${t.id}'s token`);
    assert.ok(!server.logs().includes('wrong-token-value'));
    assert.match(server.logs(), /"caller":"agent-gateway"/);
  });

  // Public by design: health for orchestrators, and the API description (it holds no data; see
  // docs/decisions/014-openapi-and-fast-gate.md). Everything else needs a credential.
  const PUBLIC = (path: string) => path.startsWith('/health') || path === '/v1/openapi.json';

  it('closes every route the app has, except health and the API description, to a caller without credentials', async () => {
    const routes = listRoutes(server.regent.app);
    assert.ok(routes.length >= 5, JSON.stringify(routes));
    for (const { method, path } of routes) {
      const res = await server.request(
        method.toUpperCase(),
        path,
        method === 'get' || method === 'delete' ? {} : { body: {} },
      );
      if (PUBLIC(path)) assert.notEqual(res.status, 401, `${method} ${path}`);
      else assert.equal(res.status, 401, `${method} ${path} answers ${res.status} without credentials`);
    }
  });
});

/** Every route of the app, with path parameters filled in, walking nested routers. */
function listRoutes(app: Express): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        const path = layer.route.path.replace(/\{[^}]*\}/g, '').replace(/:(\w+)/g, 'x-$1');
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.push({ method, path });
      } else if (layer.handle?.stack !== undefined) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
