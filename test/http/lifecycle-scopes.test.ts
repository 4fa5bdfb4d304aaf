/**
 * The policy lifecycle routes under authentication: the OPA Data API answers a `decide` token,
 * while the Policy API, shadow mode and status need `admin`, over real HTTP with real tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestBundle } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

const decide = makeToken('agent-gateway', ['decide']);
const admin = makeToken('operator', ['admin']);

const CASES: { note: string; method: string; path: string; token?: string; body?: unknown; status: number }[] = [
  {
    note: 'a decide token evaluates a Data API entrypoint',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    token: decide.token,
    body: { input: 1 },
    status: 200,
  },
  {
    note: 'a decide token reads a Data API entrypoint',
    method: 'GET',
    path: '/v1/data/dataapi/echo',
    token: decide.token,
    status: 200,
  },
  {
    note: 'a decide token asks for the default decision',
    method: 'POST',
    path: '/',
    token: decide.token,
    body: { x: 1 },
    status: 200,
  },
  {
    note: 'no token is refused on the Data API',
    method: 'POST',
    path: '/v1/data/dataapi/echo',
    body: { input: 1 },
    status: 401,
  },
  {
    note: 'a decide token cannot list policies',
    method: 'GET',
    path: '/v1/policies',
    token: decide.token,
    status: 403,
  },
  {
    note: 'a decide token cannot change a policy',
    method: 'DELETE',
    path: '/v1/policies/x',
    token: decide.token,
    status: 403,
  },
  { note: 'a decide token cannot read status', method: 'GET', path: '/v1/status', token: decide.token, status: 403 },
  {
    note: 'a decide token cannot see shadow mode',
    method: 'GET',
    path: '/v1/shadow',
    token: decide.token,
    status: 403,
  },
  {
    note: 'a decide token cannot stop shadow mode',
    method: 'DELETE',
    path: '/v1/shadow',
    token: decide.token,
    status: 403,
  },
  { note: 'an admin token reads status', method: 'GET', path: '/v1/status', token: admin.token, status: 200 },
  { note: 'an admin token lists policies', method: 'GET', path: '/v1/policies', token: admin.token, status: 200 },
  { note: 'an admin token reads shadow mode', method: 'GET', path: '/v1/shadow', token: admin.token, status: 200 },
];

describe('policy lifecycle routes and scopes', () => {
  let server: SecureServer;
  before(async () => {
    const bundle = await buildTestBundle('test/fixtures/policies/data-api');
    server = await startSecureRegent({ tokens: [decide, admin], config: { bundlePath: bundle.file } });
  });
  after(async () => server.close());

  for (const c of CASES) {
    it(c.note, async () => {
      const res = await server.request(c.method, c.path, {
        ...(c.token === undefined ? {} : { token: c.token }),
        body: c.body,
      });
      assert.equal(res.status, c.status, res.text);
    });
  }
});
