/**
 * Keys and signatures for the io.jwt.* builtins, on node:crypto (synchronous, as a builtin must
 * be; jose's own sign and verify are asynchronous, see docs/decisions/013-jwt-builtins.md).
 * Keys are read as OPA reads them: one PEM block (a CERTIFICATE or a PUBLIC KEY, nothing after
 * it), else a JWK or a JWK set, where keys with an algorithm OPA does not know are skipped.
 */
import {
  X509Certificate,
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { base64url } from 'jose';

/** A key a token may be verified with: its `alg` and `kid` from a JWKS, empty otherwise. */
export interface VerificationKey {
  readonly alg: string;
  readonly kid: string;
  /** Undefined for a private JWK, which OPA's verification never accepts. */
  readonly key: KeyObject | undefined;
}

/** The JWS algorithms OPA knows (tokenAlgorithms in topdown/tokens.go). */
export const TOKEN_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
  'EdDSA',
]);

const PEM_BLOCK = /-----BEGIN ([^\r\n-]*)-----\r?\n([\s\S]*?)-----END \1-----[^\S\r\n]*(?:\r?\n|$)/;

/** Reads the key(s) of a PEM certificate or public key, or of a JWK or JWK set (OPA's messages). */
export function parseVerificationKeys(text: string): VerificationKey[] {
  const block = PEM_BLOCK.exec(text);
  if (block !== null) {
    if (block.index + block[0].length < text.length) throw new Error('extra data after a PEM certificate block');
    const der = Buffer.from((block[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    if (block[1] === 'CERTIFICATE') {
      try {
        return [{ alg: '', kid: '', key: new X509Certificate(der).publicKey }];
      } catch (err) {
        throw new Error(`failed to parse a PEM certificate: ${(err as Error).message}`, { cause: err });
      }
    }
    if (block[1] === 'PUBLIC KEY') {
      try {
        return [{ alg: '', kid: '', key: createPublicKey({ key: der, format: 'der', type: 'spki' }) }];
      } catch (err) {
        throw new Error(`failed to parse a PEM public key: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new Error('failed to extract a Key from the PEM certificate');
  }
  let jwks: Record<string, unknown>[];
  try {
    jwks = parseJwkSet(text);
  } catch (err) {
    throw new Error(`failed to parse a JWK key (set): ${(err as Error).message}`, { cause: err });
  }
  return jwks
    .filter((jwk) => typeof jwk['alg'] !== 'string' || TOKEN_ALGORITHMS.has(jwk['alg']))
    .map((jwk) => ({
      alg: typeof jwk['alg'] === 'string' ? jwk['alg'] : '',
      kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : '',
      key: jwk['kty'] === 'oct' ? secretKey(jwk) : 'd' in jwk ? undefined : publicKey(jwk),
    }));
}

/** The keys of a JWK or a `{"keys": [...]}` set, each checked to import. */
export function parseJwkSet(text: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
  const keys = (parsed as { keys?: unknown }).keys;
  const list: unknown[] = Array.isArray(keys) ? keys : [parsed];
  return list.map((jwk) => {
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new Error('a key is not a JSON object');
    const record = jwk as Record<string, unknown>;
    if (typeof record['kty'] !== 'string') throw new Error('a key lacks "kty"');
    return record;
  });
}

function secretKey(jwk: Record<string, unknown>): KeyObject {
  if (typeof jwk['k'] !== 'string') throw new Error('failed to parse a JWK key (set): oct key lacks "k"');
  return createSecretKey(base64url.decode(jwk['k']));
}

function publicKey(jwk: Record<string, unknown>): KeyObject {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    throw new Error(`failed to parse a JWK key (set): ${(err as Error).message}`, { cause: err });
  }
}

/** The signing key of a JWK (private for RS/PS/ES/EdDSA, the secret for oct). */
export function signingKey(jwk: Record<string, unknown>): KeyObject {
  if (jwk['kty'] === 'oct') return secretKey(jwk);
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

const HASHES: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function hashOf(alg: string): string {
  const hash = HASHES[alg.slice(2)];
  if (hash === undefined) throw new Error(`unknown JWS algorithm: ${alg}`);
  return hash;
}

/** Whether `signature` is `alg`'s signature of `input` under `key`; false on any mismatch. */
export function verifySignature(
  key: KeyObject | undefined,
  alg: string,
  input: string,
  signature: Uint8Array,
): boolean {
  if (key === undefined) return false;
  const data = Buffer.from(input, 'utf8');
  try {
    const family = alg.slice(0, 2);
    if (family === 'HS') {
      if (key.type !== 'secret') return false;
      const mac = createHmac(hashOf(alg), key).update(data).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    if (key.type !== 'public') return false;
    const kind = key.asymmetricKeyType;
    if (family === 'RS' && kind === 'rsa') return verify(hashOf(alg), data, key, signature);
    if (family === 'PS' && (kind === 'rsa' || kind === 'rsa-pss'))
      return verify(
        hashOf(alg),
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
        signature,
      );
    if (family === 'ES' && kind === 'ec')
      return verify(hashOf(alg), data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (alg === 'EdDSA' && kind === 'ed25519') return verify(null, data, key, signature);
    return false;
  } catch {
    return false;
  }
}

/** `alg`'s signature of `input` under `key` (PSS with a salt as long as the hash, as jwx signs). */
export function signInput(key: KeyObject, alg: string, input: string): Uint8Array {
  const data = Buffer.from(input, 'utf8');
  const family = alg.slice(0, 2);
  if (family === 'HS') return createHmac(hashOf(alg), key).update(data).digest();
  if (family === 'RS') return sign(hashOf(alg), data, key);
  if (family === 'PS')
    return sign(hashOf(alg), data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  if (family === 'ES') return sign(hashOf(alg), data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA') return sign(null, data, key);
  throw new Error(`unknown JWS algorithm: ${alg}`);
}
