/**
 * io.jwt.*: OPA's own cases (jwt* families of the pinned module) through regent's wasm engine,
 * and further calls compared with `opa eval` one by one, including tokens signed by one side and
 * verified by the other (ECDSA, PSS and EdDSA signatures are randomised, so only verification
 * can be compared).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadOpaCases, runCases } from './opa-builtin-cases.ts';

const FAMILIES = [
  'jwtbuiltins',
  'jwtdecodeverify',
  'jwtencodesign',
  'jwtencodesignraw',
  'jwtencodesignheadererrors',
  'jwtencodesignpayloaderrors',
  'jwtverifyeddsa',
  'jwtverifyhs256',
  'jwtverifyhs384',
  'jwtverifyhs512',
  'jwtverifyrsa',
];

describe("io.jwt.* passes OPA's own cases through regent's engine", () => {
  let results: { note: string; problem: string | undefined }[] = [];
  before(async () => {
    results = await runCases(await loadOpaCases(...FAMILIES));
  });
  it('runs every case of the jwt families', () => {
    assert.ok(results.length >= 120, `only ${results.length} cases found`);
  });
  it('agrees with every case', () => {
    const problems = results.filter((r) => r.problem !== undefined).map((r) => `${r.note}: ${r.problem ?? ''}`);
    assert.deepEqual(problems, []);
  });
});

function jwkPair(type: 'rsa' | 'ec' | 'ed25519', curve?: string): { priv: string; pub: string; pem: string } {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: curve ?? 'P-256' })
        : generateKeyPairSync('ed25519');
  return {
    priv: JSON.stringify(pair.privateKey.export({ format: 'jwk' })),
    pub: JSON.stringify(pair.publicKey.export({ format: 'jwk' })),
    pem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

const HS_KEY = JSON.stringify({
  kty: 'oct',
  k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
});
const HS_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY';

describe('io.jwt.* agrees with opa eval', () => {
  const rsa = jwkPair('rsa');
  const ec = jwkPair('ec');
  const ec384 = jwkPair('ec', 'P-384');
  const ed = jwkPair('ed25519');
  const header = (alg: string): Record<string, string> => ({ alg, typ: 'JWT' });
  const claims = { iss: 'opa', sub: 'agent-7', aud: ['tools', 'mail'], exp: 2_000_000_000, nbf: 1_500_000_000, n: 10 };
  const time = 1_700_000_000_000_000_000n;

  const cases: BuiltinCase[] = [
    { note: 'decodes a HS256 token', builtin: 'io.jwt.decode', args: [HS_TOKEN] },
    { note: 'rejects a number', builtin: 'io.jwt.decode', args: [1], want: 'error' },
    { note: 'rejects a header that is not an object', builtin: 'io.jwt.decode', args: ['WzFd.e30.'], want: 'error' },
    { note: 'rejects a payload that is not JSON', builtin: 'io.jwt.decode', args: ['e30.bm90.'], want: 'error' },
    { note: 'rejects an illegal padding', builtin: 'io.jwt.decode', args: ['e30=x.e30.'], want: 'error' },
    { note: 'decodes an empty signature', builtin: 'io.jwt.decode', args: ['e30.e30.'] },
    { note: 'verifies HS256 with the secret', builtin: 'io.jwt.verify_hs256', args: [HS_TOKEN, 'secret'] },
    { note: 'refuses HS256 with another secret', builtin: 'io.jwt.verify_hs256', args: [HS_TOKEN, 'other'] },
    { note: 'refuses HS384 on a HS256 token', builtin: 'io.jwt.verify_hs384', args: [HS_TOKEN, 'secret'] },
    {
      note: 'refuses a secret that is not a string',
      builtin: 'io.jwt.verify_hs256',
      args: [HS_TOKEN, 1],
      want: 'error',
    },
    { note: 'refuses RS256 with an EC key', builtin: 'io.jwt.verify_rs256', args: [HS_TOKEN, ec.pem] },
    {
      note: 'refuses a PEM of another kind',
      builtin: 'io.jwt.verify_rs256',
      args: [HS_TOKEN, '-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'],
      want: 'error',
    },
    {
      note: 'refuses a key that is neither PEM nor JWK',
      builtin: 'io.jwt.verify_es256',
      args: [HS_TOKEN, 'nonsense'],
      want: 'error',
    },
    {
      note: 'signs HS256 raw (deterministic)',
      builtin: 'io.jwt.encode_sign_raw',
      args: ['{"alg":"HS256"}', '{"a":1}', HS_KEY],
    },
    {
      note: 'signs HS512 from objects with Go key order',
      builtin: 'io.jwt.encode_sign',
      args: [{ typ: 'JWT', alg: 'HS512' }, { '10': 1, '2': '<&>', a: [1, 'x'] }, JSON.parse(HS_KEY)],
    },
    {
      note: 'signs RS256 (deterministic)',
      builtin: 'io.jwt.encode_sign',
      args: [header('RS256'), claims, JSON.parse(rsa.priv)],
    },
    {
      note: 'refuses an unknown algorithm',
      builtin: 'io.jwt.encode_sign',
      args: [{ alg: 'none' }, {}, JSON.parse(HS_KEY)],
      want: 'error',
    },
    {
      note: 'refuses a non-JSON payload of a JWT',
      builtin: 'io.jwt.encode_sign_raw',
      args: ['{"alg":"HS256","typ":"JWT"}', 'plain', HS_KEY],
      want: 'error',
    },
    {
      note: 'signs a plain-text payload when typ says so',
      builtin: 'io.jwt.encode_sign_raw',
      args: ['{"alg":"HS256","typ":"text/plain"}', 'plain', HS_KEY],
    },
    {
      note: 'decode_verify with a secret and time',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { secret: 'secret', time }],
    },
    {
      note: 'decode_verify refuses the wrong issuer',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { secret: 'secret', iss: 'x', time }],
    },
    {
      note: 'decode_verify refuses an unknown constraint',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { secret: 'secret', foo: 1 }],
      want: 'error',
    },
    {
      note: 'decode_verify refuses two key constraints',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { secret: 'secret', cert: ec.pem }],
      want: 'error',
    },
    {
      note: 'decode_verify refuses no key constraint',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { time }],
      want: 'error',
    },
    {
      note: 'decode_verify refuses a negative time',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { secret: 'secret', time: -1 }],
      want: 'error',
    },
    {
      note: 'decode_verify: a JWKS with an oct key verifies HS256',
      builtin: 'io.jwt.decode_verify',
      args: [HS_TOKEN, { cert: JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), time }],
    },
  ];

  // Tokens signed on the host, verified by opa, and the reverse.
  const signers: [string, string, string, string][] = [
    ['RS384', rsa.priv, rsa.pub, 'io.jwt.verify_rs384'],
    ['PS256', rsa.priv, rsa.pem, 'io.jwt.verify_ps256'],
    ['PS512', rsa.priv, rsa.pub, 'io.jwt.verify_ps512'],
    ['ES256', ec.priv, ec.pem, 'io.jwt.verify_es256'],
    ['ES384', ec384.priv, ec384.pub, 'io.jwt.verify_es384'],
    ['EdDSA', ed.priv, ed.pem, 'io.jwt.verify_eddsa'],
  ];

  let fromOpa: Outcome[] = [];
  let hostTokens: string[] = [];
  let opaTokens: Outcome[] = [];
  const host = createBuiltins().functions;
  before(async () => {
    hostTokens = signers.map(
      ([alg, priv]) => host['io.jwt.encode_sign']?.(header(alg), claims, JSON.parse(priv)) as string,
    );
    opaTokens = await evaluateWithOpa(
      signers.map(([alg, priv]) => ({
        note: alg,
        builtin: 'io.jwt.encode_sign',
        args: [header(alg), claims, JSON.parse(priv)],
      })),
    );
    const checks: BuiltinCase[] = signers.flatMap(([alg, , pub, verify], i) => {
      const opaToken = opaTokens[i];
      const token = opaToken?.kind === 'value' ? (JSON.parse(opaToken.json) as string) : '';
      return [
        { note: `${alg} signed by regent, checked by opa`, builtin: verify, args: [hostTokens[i], pub] },
        {
          note: `${alg} signed by regent, decode_verify by opa`,
          builtin: 'io.jwt.decode_verify',
          args: [hostTokens[i], { cert: pub, aud: 'mail', time }],
        },
        { note: `${alg} signed by opa, checked by regent`, builtin: verify, args: [token, pub] },
      ];
    });
    cases.push(...checks);
    fromOpa = await evaluateWithOpa(cases);
  });

  it('signs with every asymmetric algorithm where opa does', () => {
    assert.deepEqual(
      opaTokens.map((o) => o.kind),
      signers.map(() => 'value'),
    );
  });

  it('ends every call as opa eval does', () => {
    const differences = cases.flatMap((c, i) => {
      const mine = runHost(host[c.builtin], c.args);
      const theirs = fromOpa[i];
      const same =
        theirs !== undefined &&
        mine.kind === theirs.kind &&
        (mine.kind !== 'value' || theirs.kind !== 'value' || mine.json === theirs.json) &&
        (c.want === undefined || c.want === theirs.kind);
      return same ? [] : [`${c.note}: regent ${JSON.stringify(mine)}, opa ${JSON.stringify(theirs)}`];
    });
    assert.deepEqual(differences, []);
  });

  it('verifies what it signs and nothing else', () => {
    for (const [i, [alg, , pub, verify]] of signers.entries()) {
      const token = hostTokens[i] ?? '';
      assert.equal(host[verify]?.(token, pub), true, alg);
      const tampered = token.replace(/\.[^.]+\./, `.${Buffer.from('{"iss":"eve"}').toString('base64url')}.`);
      assert.equal(host[verify]?.(tampered, pub), false, `${alg} tampered`);
    }
  });
});
