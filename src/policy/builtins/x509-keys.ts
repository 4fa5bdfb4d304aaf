/**
 * Private keys as OPA's crypto.x509.parse_rsa_private_key, crypto.parse_private_keys and
 * crypto.x509.parse_keypair read them: Go's ParsePKCS1PrivateKey / ParsePKCS8PrivateKey /
 * ParseECPrivateKey (keys decoded by node:crypto, then held to Go's checks: positive values,
 * a consistent RSA key, an EC public point recomputed from the scalar), the Go struct's JSON
 * (rsa.PrivateKey, ecdsa.PrivateKey, ed25519.PrivateKey) and the JWK that lestrrat-go/jwx v3
 * writes for it.
 */
import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { Der, TAG, unsignedBigInt } from './der.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import type { Curve } from './x509-certificate.ts';

/** A parsed private key, as the Go type it would be. */
export type PrivateKey =
  | {
      readonly kind: 'rsa';
      readonly N: bigint;
      readonly E: bigint;
      readonly D: bigint;
      readonly P: bigint;
      readonly Q: bigint;
      readonly Dp: bigint;
      readonly Dq: bigint;
      readonly Qinv: bigint;
    }
  | { readonly kind: 'ecdsa'; readonly curve: Curve; readonly X: bigint; readonly Y: bigint; readonly D: bigint }
  | { readonly kind: 'ed25519'; readonly seed: Uint8Array; readonly pub: Uint8Array }
  | { readonly kind: 'x25519'; readonly d: Uint8Array; readonly x: Uint8Array };

const CURVE_SIZES: Readonly<Record<Curve, number>> = { 'P-224': 28, 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const OPENSSL_CURVES: Readonly<Record<string, Curve>> = {
  secp224r1: 'P-224',
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};
const ECDH_NAMES: Readonly<Record<Curve, string>> = {
  'P-224': 'secp224r1',
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

function big(b64url: string | undefined): bigint {
  return unsignedBigInt(Buffer.from(b64url ?? '', 'base64url'));
}

function mod(a: bigint, m: bigint): bigint {
  return ((a % m) + m) % m;
}

function fromKeyObject(key: KeyObject): PrivateKey {
  const jwk = key.export({ format: 'jwk' });
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      if (jwk.p === undefined || jwk.q === undefined) throw new Error('x509: unsupported RSA key');
      const k = {
        kind: 'rsa' as const,
        N: big(jwk.n),
        E: big(jwk.e),
        D: big(jwk.d),
        P: big(jwk.p),
        Q: big(jwk.q),
        Dp: big(jwk.dp),
        Dq: big(jwk.dq),
        Qinv: big(jwk.qi),
      };
      if (k.N <= 0n || k.D <= 0n || k.P <= 0n || k.Q <= 0n || k.Dp <= 0n || k.Dq <= 0n || k.Qinv <= 0n)
        throw new Error('x509: private key contains zero or negative value');
      // rsa.PrivateKey.Validate after Precompute: a consistent key, CRT values included.
      if (
        k.P * k.Q !== k.N ||
        k.P <= 1n ||
        k.Q <= 1n ||
        mod(k.D * k.E, k.P - 1n) !== 1n ||
        mod(k.D * k.E, k.Q - 1n) !== 1n ||
        k.Dp !== mod(k.D, k.P - 1n) ||
        k.Dq !== mod(k.D, k.Q - 1n) ||
        mod(k.Qinv * k.Q, k.P) !== 1n
      )
        throw new Error('crypto/rsa: invalid private key');
      return k;
    }
    case 'ec': {
      const curve = OPENSSL_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (curve === undefined) throw new Error('x509: unknown elliptic curve');
      const sec1 = key.export({ format: 'der', type: 'sec1' });
      const seq = new Der(sec1).read(TAG.SEQUENCE);
      const body = new Der(seq ?? new Uint8Array(0));
      body.readBigInt();
      const d = body.read(TAG.OCTET_STRING);
      if (d === undefined) throw new Error('x509: invalid private key length');
      const size = CURVE_SIZES[curve];
      const D = unsignedBigInt(d);
      const scalar = Buffer.from(D.toString(16).padStart(size * 2, '0'), 'hex');
      // Go recomputes the public point from the scalar and ignores the encoded one.
      const ecdh = createECDH(ECDH_NAMES[curve]);
      ecdh.setPrivateKey(scalar);
      const point = ecdh.getPublicKey();
      return {
        kind: 'ecdsa',
        curve,
        X: unsignedBigInt(point.subarray(1, 1 + size)),
        Y: unsignedBigInt(point.subarray(1 + size)),
        D,
      };
    }
    case 'ed25519':
      return {
        kind: 'ed25519',
        seed: Buffer.from(jwk.d ?? '', 'base64url'),
        pub: Buffer.from(jwk.x ?? '', 'base64url'),
      };
    case 'x25519':
      return { kind: 'x25519', d: Buffer.from(jwk.d ?? '', 'base64url'), x: Buffer.from(jwk.x ?? '', 'base64url') };
    default:
      throw new Error('x509: PKCS#8 wrapping contained private key with unknown algorithm');
  }
}

type KeyFormat = 'pkcs1' | 'pkcs8' | 'sec1';

/** The element after the version number: INTEGER (PKCS #1), SEQUENCE (PKCS #8), OCTET STRING (SEC 1). */
const SECOND_ELEMENT: Readonly<Record<KeyFormat, number>> = {
  pkcs1: TAG.INTEGER,
  pkcs8: TAG.SEQUENCE,
  sec1: TAG.OCTET_STRING,
};

/** Whether the DER has the outline of the format (OpenSSL's decoders accept one format for another). */
function hasShape(der: Uint8Array, type: KeyFormat): boolean {
  const outer = new Der(der);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined || !outer.empty()) return false;
  const body = new Der(seq);
  return body.readBigInt() !== undefined && body.peek(SECOND_ELEMENT[type]);
}

function tryParse(der: Uint8Array, type: KeyFormat): KeyObject | undefined {
  if (!hasShape(der, type)) return undefined;
  try {
    const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type });
    if (type === 'pkcs1' && key.asymmetricKeyType !== 'rsa') return undefined;
    if (type === 'sec1' && key.asymmetricKeyType !== 'ec') return undefined;
    return key;
  } catch {
    return undefined;
  }
}

const HINT: Readonly<Record<KeyFormat, string>> = {
  pkcs1: 'x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)',
  pkcs8: 'x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)',
  sec1: 'x509: failed to parse private key (use ParseECPrivateKey instead for this key format)',
};

/** ParsePKCS1PrivateKey / ParsePKCS8PrivateKey / ParseECPrivateKey, with Go's hints on a wrong format. */
export function parsePrivateKeyAs(der: Uint8Array, type: KeyFormat): PrivateKey {
  const key = tryParse(der, type);
  if (key !== undefined) return fromKeyObject(key);
  const others: Readonly<Record<KeyFormat, KeyFormat[]>> = {
    pkcs1: ['sec1', 'pkcs8'],
    pkcs8: ['pkcs1', 'sec1'],
    sec1: ['pkcs8', 'pkcs1'],
  };
  for (const other of others[type]) if (tryParse(der, other) !== undefined) throw new Error(HINT[other]);
  throw new Error(
    type === 'sec1'
      ? 'x509: failed to parse EC private key: asn1: structure error'
      : 'asn1: structure error: malformed private key',
  );
}

/** crypto/tls's parsePrivateKey: PKCS #1, then PKCS #8 (RSA, ECDSA, Ed25519 only), then SEC 1. */
export function tlsParsePrivateKey(der: Uint8Array): PrivateKey {
  const pkcs1 = tryParse(der, 'pkcs1');
  if (pkcs1 !== undefined) return fromKeyObject(pkcs1);
  const pkcs8 = tryParse(der, 'pkcs8');
  if (pkcs8 !== undefined) {
    const key = fromKeyObject(pkcs8);
    if (key.kind === 'x25519') throw new Error('tls: found unknown private key type in PKCS#8 wrapping');
    return key;
  }
  const sec1 = tryParse(der, 'sec1');
  if (sec1 !== undefined) return fromKeyObject(sec1);
  throw new Error('tls: failed to parse private key');
}

/** encoding/json of the Go private key value. */
export function privateKeyJson(key: PrivateKey): BuiltinValue {
  switch (key.kind) {
    case 'rsa':
      return {
        N: integerResult(key.N),
        E: integerResult(key.E),
        D: integerResult(key.D),
        Primes: [integerResult(key.P), integerResult(key.Q)],
        Precomputed: {
          Dp: integerResult(key.Dp),
          Dq: integerResult(key.Dq),
          Qinv: integerResult(key.Qinv),
          CRTValues: [],
        },
      };
    case 'ecdsa':
      return { Curve: {}, X: integerResult(key.X), Y: integerResult(key.Y), D: integerResult(key.D) };
    case 'ed25519':
      return Buffer.concat([key.seed, key.pub]).toString('base64');
    case 'x25519':
      return {};
  }
}

function b64u(n: bigint, size = 0): string {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex.padStart(size * 2, '0'), 'hex').toString('base64url');
}

/** The JWK jwx v3's jwk.Import + json.Marshal writes for the key. */
export function privateKeyJwk(key: PrivateKey): BuiltinValue {
  switch (key.kind) {
    case 'rsa':
      return {
        kty: 'RSA',
        n: b64u(key.N),
        e: b64u(key.E),
        d: b64u(key.D),
        p: b64u(key.P),
        q: b64u(key.Q),
        dp: b64u(key.Dp),
        dq: b64u(key.Dq),
        qi: b64u(key.Qinv),
      };
    case 'ecdsa': {
      const size = CURVE_SIZES[key.curve];
      return { kty: 'EC', crv: key.curve, x: b64u(key.X, size), y: b64u(key.Y, size), d: b64u(key.D, size) };
    }
    case 'ed25519':
      return {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(key.pub).toString('base64url'),
        d: Buffer.from(key.seed).toString('base64url'),
      };
    case 'x25519':
      return {
        kty: 'OKP',
        crv: 'X25519',
        x: Buffer.from(key.x).toString('base64url'),
        d: Buffer.from(key.d).toString('base64url'),
      };
  }
}

/** Whether the private key belongs to the public key of a certificate (tls.X509KeyPair's check). */
export function sameKeyMaterial(
  priv: PrivateKey,
  pub: { kind: string; N?: bigint; E?: bigint; X?: bigint; Y?: bigint; raw?: Uint8Array },
): boolean {
  if (priv.kind === 'rsa') return pub.N === priv.N && pub.E === priv.E;
  if (priv.kind === 'ecdsa') return pub.X === priv.X && pub.Y === priv.Y;
  if (priv.kind === 'ed25519') return pub.raw !== undefined && Buffer.from(pub.raw).equals(Buffer.from(priv.pub));
  return false;
}
