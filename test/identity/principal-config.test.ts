/**
 * REGENT_PRINCIPAL_* at start-up: loadConfig reports every bad combination at once (an issuer
 * without a key source, a JWKS URL that is not https, HS* or none, a symmetric key in the file),
 * and a good configuration turns verification on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { createPrincipalVerifier } from '../../src/identity/index.ts';
import { JwksDir } from './principal-keys.ts';

const PUBLIC_EC = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'a',
};
const FILES: Record<string, string> = {
  '/etc/regent/jwks.json': JSON.stringify({ keys: [PUBLIC_EC] }),
  '/etc/regent/secret-jwks.json': JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }),
  '/etc/regent/private-jwks.json': JSON.stringify({ keys: [{ ...PUBLIC_EC, d: 'c2VjcmV0' }] }),
  '/etc/regent/not-json': 'keys',
};
const readFile = (p: string): string => {
  const text = FILES[p];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return text;
};
const ON = {
  REGENT_PRINCIPAL_ISSUER: 'https://login.example.com/',
  REGENT_PRINCIPAL_AUDIENCE: 'regent',
  REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/jwks.json',
};

/** The problems loadConfig reports for `env`. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.problems];
  }
  return [];
}

describe('REGENT_PRINCIPAL_* configuration', () => {
  it('is off by default, with the documented defaults', () => {
    const config = loadConfig({}, readFile);
    assert.equal(config.principalIssuer, '');
    assert.equal(config.principalClockSkewSeconds, 30);
    assert.equal(config.principalGroupsClaim, 'groups');
    assert.equal(config.principalHeader, 'regent-principal-token');
    assert.equal(config.principalAlgorithms, 'RS256,ES256,EdDSA');
    assert.equal(createPrincipalVerifier(config, { readFile }), null);
  });

  it('turns verification on with an issuer, an audience and a key source', () => {
    const dir = new JwksDir();
    try {
      const file = dir.write(JSON.stringify({ keys: [PUBLIC_EC] }));
      const config = loadConfig({ ...ON, REGENT_PRINCIPAL_JWKS_FILE: file });
      assert.equal(config.principalJwksFile, file);
      assert.equal(createPrincipalVerifier(config)?.header, 'regent-principal-token');
    } finally {
      dir.dispose();
    }
  });

  const cases: { note: string; env: Record<string, string>; problem: RegExp }[] = [
    {
      note: 'an issuer without a key source',
      env: { REGENT_PRINCIPAL_ISSUER: 'https://login.example.com/', REGENT_PRINCIPAL_AUDIENCE: 'regent' },
      problem: /REGENT_PRINCIPAL_ISSUER: needs REGENT_PRINCIPAL_JWKS_FILE or REGENT_PRINCIPAL_JWKS_URL/,
    },
    {
      note: 'a key source without an issuer',
      env: { REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/jwks.json', REGENT_PRINCIPAL_AUDIENCE: 'regent' },
      problem: /REGENT_PRINCIPAL_ISSUER: needed/,
    },
    {
      note: 'no audience',
      env: { ...ON, REGENT_PRINCIPAL_AUDIENCE: '' },
      problem: /REGENT_PRINCIPAL_AUDIENCE: needed/,
    },
    {
      note: 'both a file and a URL',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_URL: 'https://login.example.com/jwks' },
      problem: /set one key source, not both/,
    },
    {
      note: 'a JWKS URL that is not https',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '', REGENT_PRINCIPAL_JWKS_URL: 'http://login.example.com/jwks' },
      problem: /REGENT_PRINCIPAL_JWKS_URL: must be https/,
    },
    {
      note: 'a JWKS URL that does not parse',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '', REGENT_PRINCIPAL_JWKS_URL: 'login.example.com' },
      problem: /REGENT_PRINCIPAL_JWKS_URL: not a URL/,
    },
    {
      note: 'a missing JWKS file',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/none.json' },
      problem: /cannot read \(ENOENT\)/,
    },
    {
      note: 'a JWKS file that is not JSON',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/not-json' },
      problem: /is not JSON/,
    },
    {
      note: 'a symmetric key in the JWKS',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/secret-jwks.json' },
      problem: /symmetric keys are never accepted/,
    },
    {
      note: 'a private key in the JWKS',
      env: { ...ON, REGENT_PRINCIPAL_JWKS_FILE: '/etc/regent/private-jwks.json' },
      problem: /private key material/,
    },
    {
      note: 'HS256 allowed',
      env: { ...ON, REGENT_PRINCIPAL_ALGORITHMS: 'ES256,HS256' },
      problem: /"HS256" is not one of/,
    },
    { note: 'none allowed', env: { ...ON, REGENT_PRINCIPAL_ALGORITHMS: 'none' }, problem: /"none" is not one of/ },
    { note: 'no algorithm', env: { ...ON, REGENT_PRINCIPAL_ALGORITHMS: ' , ' }, problem: /names no algorithm/ },
    {
      note: 'the Authorization header as the principal header',
      env: { ...ON, REGENT_PRINCIPAL_HEADER: 'authorization' },
      problem: /already has a meaning/,
    },
    {
      note: 'a header name with capitals',
      env: { ...ON, REGENT_PRINCIPAL_HEADER: 'X-Principal' },
      problem: /lower-case HTTP header name/,
    },
    {
      note: 'a clock skew over five minutes',
      env: { ...ON, REGENT_PRINCIPAL_CLOCK_SKEW_SECONDS: '3600' },
      problem: /REGENT_PRINCIPAL_CLOCK_SKEW_SECONDS: 3600 is outside 0..300/,
    },
  ];
  for (const c of cases) {
    it(`refuses to start with ${c.note}`, () => {
      const found = problems(c.env);
      assert.ok(
        found.some((p) => c.problem.test(p)),
        found.join('\n'),
      );
    });
  }

  it('reports every principal problem at once', () => {
    const found = problems({
      REGENT_PRINCIPAL_ISSUER: 'https://login.example.com/',
      REGENT_PRINCIPAL_JWKS_URL: 'http://login.example.com/jwks',
      REGENT_PRINCIPAL_ALGORITHMS: 'HS256',
    });
    assert.equal(found.length, 3, found.join('\n'));
  });
});
