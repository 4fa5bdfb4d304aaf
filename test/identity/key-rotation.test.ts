/**
 * Key sources and rotation: a JWKS file replaced on disk, and a JWKS served over HTTPS on
 * loopback (a certificate from a throwaway CA only the test's fetch trusts). After a rotation,
 * tokens of the new key verify and tokens of the retired key are refused once the keys are
 * re-read; an unreachable JWKS fails closed with a 503.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrincipalKeysUnavailableError, PrincipalUnverifiedError } from '../../src/errors/regent-error.ts';
import { createPrincipalVerifier, type PrincipalVerifier } from '../../src/identity/index.ts';
import {
  fileKeys,
  jwks,
  JwksDir,
  makeKey,
  mint,
  startJwksServer,
  type JwksServer,
  type TestKey,
} from './principal-keys.ts';

const isUnverified = (err: unknown) => err instanceof PrincipalUnverifiedError && err.status === 401;

describe('JWKS file rotation', () => {
  const dir = new JwksDir();
  let old: TestKey;
  let next: TestKey;
  before(async () => {
    [old, next] = await Promise.all([makeKey('RS256', 'k-2025'), makeKey('ES256', 'k-2026')]);
  });
  after(() => dir.dispose());

  it('verifies the new key and refuses the retired one once the file is replaced', async () => {
    dir.write(jwks(old));
    const verifier = createPrincipalVerifier(fileKeys(dir.file), { fileCheckIntervalMs: 0 }) as PrincipalVerifier;
    assert.equal((await verifier.verify(await mint(old))).id, 'alice');
    await assert.rejects(verifier.verify(await mint(next)), isUnverified);

    dir.write(jwks(next));
    assert.equal((await verifier.verify(await mint(next, { sub: 'bob' }))).id, 'bob');
    await assert.rejects(verifier.verify(await mint(old)), isUnverified);
  });

  it('keeps the previous keys when the replacement file is broken, and reports it', async () => {
    dir.write(jwks(old));
    const problems: string[] = [];
    const verifier = createPrincipalVerifier(fileKeys(dir.file), {
      fileCheckIntervalMs: 0,
      onFileReloadError: (err) => problems.push(err.message),
    }) as PrincipalVerifier;
    dir.write('{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}');
    assert.equal((await verifier.verify(await mint(old))).id, 'alice');
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /symmetric keys are never accepted/);
  });
});

describe('JWKS over HTTPS (createRemoteJWKSet)', () => {
  let server: JwksServer;
  let old: TestKey;
  let next: TestKey;
  before(async () => {
    [old, next] = await Promise.all([makeKey('ES256', 'url-1'), makeKey('RS256', 'url-2')]);
    server = await startJwksServer(jwks(old));
  });
  after(async () => server.close());

  const urlKeys = () => fileKeys('', { principalJwksUrl: server.url });

  it('fetches the keys once and verifies from the cache', async () => {
    server.serve(jwks(old));
    const before = server.fetches();
    const verifier = createPrincipalVerifier(urlKeys(), { fetch: server.fetch }) as PrincipalVerifier;
    for (let i = 0; i < 3; i++) assert.equal((await verifier.verify(await mint(old))).id, 'alice');
    assert.equal(server.fetches() - before, 1);
  });

  it('refetches on an unknown kid after rotation: the new key verifies, the retired one is refused', async () => {
    server.serve(jwks(old));
    const verifier = createPrincipalVerifier(urlKeys(), { fetch: server.fetch, cooldownMs: 0 }) as PrincipalVerifier;
    assert.equal((await verifier.verify(await mint(old))).id, 'alice');

    server.serve(jwks(next));
    assert.equal((await verifier.verify(await mint(next, { sub: 'bob' }))).id, 'bob');
    await assert.rejects(verifier.verify(await mint(old)), isUnverified);
  });

  it('within the cooldown, an unknown kid is refused without a refetch', async () => {
    server.serve(jwks(old));
    const verifier = createPrincipalVerifier(urlKeys(), { fetch: server.fetch }) as PrincipalVerifier;
    await verifier.verify(await mint(old));
    const fetched = server.fetches();
    await assert.rejects(verifier.verify(await mint(next)), isUnverified);
    assert.equal(server.fetches(), fetched);
  });

  it('refuses with a 503 when the JWKS cannot be fetched (the default fetch does not trust the test CA)', async () => {
    const verifier = createPrincipalVerifier(urlKeys(), { timeoutMs: 2000 }) as PrincipalVerifier;
    await assert.rejects(verifier.verify(await mint(old)), (err: unknown) => {
      assert.ok(err instanceof PrincipalKeysUnavailableError, String(err));
      assert.equal(err.status, 503);
      assert.equal(err.code, 'principal_keys_unavailable');
      return true;
    });
  });
});
