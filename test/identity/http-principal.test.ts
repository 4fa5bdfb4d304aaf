/**
 * Verified principals through the real app: regent built by createRegent with a JWKS file and the
 * shipped rego/ library, over real HTTP. A declared principal without a token is a 401 with the
 * error body; a verified token decides as the token's principal, whatever the caller declared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { AUDIENCE, ISSUER, jwks, JwksDir, makeKey, mint, type TestKey } from './principal-keys.ts';

const HEADER = 'regent-principal-token';

describe('POST /v1/decisions with principal verification on', () => {
  const dir = new JwksDir();
  let server: TestServer;
  let key: TestKey;
  before(async () => {
    key = await makeKey('ES256', 'idp-1');
    dir.write(jwks(key));
    const bundle = await regoBundle();
    server = await startRegent({
      bundlePath: bundle.file,
      principalIssuer: ISSUER,
      principalAudience: AUDIENCE,
      principalJwksFile: dir.file,
    });
  });
  after(async () => {
    await server.close();
    dir.dispose();
  });

  it('refuses a declared principal without a token: 401 principal_unverified, denied', async () => {
    const res = await server.post('/v1/decisions', EXAMPLES.allow);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'principal_unverified');
    assert.match(res.body.message, /needs a principal token in the regent-principal-token header/);
    assert.equal(res.body.decision, 'deny');
  });

  it('refuses an expired token with the same body', async () => {
    const token = await mint(key, { exp: Math.floor(Date.now() / 1000) - 3600 });
    const res = await server.post('/v1/decisions', EXAMPLES.allow, { [HEADER]: token });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, {
      code: 'principal_unverified',
      message: 'the principal token has expired',
      decision: 'deny',
    });
  });

  it("decides a verified request as the token's principal (alice, cleared by the directory)", async () => {
    const res = await server.post('/v1/decisions', EXAMPLES.allow, { [HEADER]: await mint(key, { sub: 'alice' }) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, 'allow', res.text);
  });

  it('decides as the token says when the caller declared someone else: bob may not read restricted pay data', async () => {
    // The body still says alice with restricted clearance; the token says bob (internal).
    const res = await server.post('/v1/decisions', EXAMPLES.allow, {
      [HEADER]: await mint(key, { sub: 'bob', groups: ['engineering'] }),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, 'deny', res.text);
  });

  it("applies the header's principal to every item of a batch", async () => {
    const res = await server.post(
      '/v1/decisions/batch',
      { decisions: [EXAMPLES.allow, EXAMPLES.allowInternal] },
      { [HEADER]: await mint(key, { sub: 'alice' }) },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.results.map((r: { decision: string }) => r.decision),
      ['allow', 'allow'],
    );
  });

  it('refuses a whole batch when one item declares a principal without a token', async () => {
    const res = await server.post('/v1/decisions/batch', { decisions: [EXAMPLES.allowInternal, EXAMPLES.allow] });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'principal_unverified');
    assert.match(res.body.message, /decisions\[1\]/);
  });

  it('never writes the token to the logs', async () => {
    const token = await mint(key, { sub: 'alice' });
    await server.post('/v1/decisions', EXAMPLES.allowInternal, { [HEADER]: token });
    assert.ok(!server.logs().includes(token.split('.')[2] ?? token));
  });
});
