/**
 * Compact JWS signing and verification with node:crypto, for the algorithms OPA's bundle
 * signing accepts. Kept small and explicit rather than pulling in a JOSE library: the bundle
 * format uses one token shape, and every check here is one a reviewer can read.
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';

/** Signature algorithms (JWA names) accepted for bundle signatures, as in OPA. */
export const SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'HS256',
  'HS384',
  'HS512',
] as const;

/** One of {@link SIGNING_ALGORITHMS}. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

interface AlgorithmSpec {
  family: 'rsa' | 'pss' | 'ec' | 'eddsa' | 'hmac';
  hash: string | null;
  /** For ECDSA: the curve the key must be on, and the raw r||s signature length. */
  curve?: string;
  signatureBytes?: number;
}

const SPECS: Readonly<Record<SigningAlgorithm, AlgorithmSpec>> = {
  RS256: { family: 'rsa', hash: 'sha256' },
  RS384: { family: 'rsa', hash: 'sha384' },
  RS512: { family: 'rsa', hash: 'sha512' },
  PS256: { family: 'pss', hash: 'sha256' },
  PS384: { family: 'pss', hash: 'sha384' },
  PS512: { family: 'pss', hash: 'sha512' },
  ES256: { family: 'ec', hash: 'sha256', curve: 'prime256v1', signatureBytes: 64 },
  ES384: { family: 'ec', hash: 'sha384', curve: 'secp384r1', signatureBytes: 96 },
  ES512: { family: 'ec', hash: 'sha512', curve: 'secp521r1', signatureBytes: 132 },
  EdDSA: { family: 'eddsa', hash: null },
  HS256: { family: 'hmac', hash: 'sha256' },
  HS384: { family: 'hmac', hash: 'sha384' },
  HS512: { family: 'hmac', hash: 'sha512' },
};

/** Whether `alg` is one of {@link SIGNING_ALGORITHMS}. */
export function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(SPECS, alg);
}

/** Throws unless `key` is the kind of key `alg` needs (no RSA key under ES256, no P-384 key under ES256). */
function checkKeyFits(alg: SigningAlgorithm, key: KeyObject): void {
  const spec = SPECS[alg];
  const type = key.asymmetricKeyType;
  const ok =
    spec.family === 'rsa'
      ? type === 'rsa'
      : spec.family === 'pss'
        ? type === 'rsa' || type === 'rsa-pss'
        : spec.family === 'ec'
          ? type === 'ec' && key.asymmetricKeyDetails?.namedCurve === spec.curve
          : type === 'ed25519' || type === 'ed448';
  if (!ok) {
    const what = type === 'ec' ? `ec ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim() : (type ?? 'unknown');
    throw new Error(`a ${what} key cannot be used with ${alg}`);
  }
  if ((type === 'rsa' || type === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) {
    throw new Error('RSA keys shorter than 1024 bits are refused (as Go refuses them)');
  }
}

/**
 * Parses the key that verifies `alg` signatures: a PEM public key (SPKI or PKCS#1), an X.509
 * certificate, or a private key whose public half is used (OPA accepts all three); for HMAC the
 * secret's UTF-8 bytes, as OPA uses them. Throws an Error saying what is wrong.
 */
export function parseVerificationKey(alg: SigningAlgorithm, material: string): KeyObject {
  if (SPECS[alg].family === 'hmac') {
    if (material === '') throw new Error('HMAC secret is empty');
    return createSecretKey(Buffer.from(material, 'utf8'));
  }
  let key: KeyObject;
  try {
    key = material.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(material).publicKey
      : createPublicKey(material);
  } catch (err) {
    throw new Error(`not a PEM public key, certificate or private key: ${(err as Error).message}`, { cause: err });
  }
  checkKeyFits(alg, key);
  return key;
}

/** Parses the private key (or HMAC secret) that signs `alg` signatures. Throws an Error saying what is wrong. */
export function parseSigningKey(alg: SigningAlgorithm, material: string): KeyObject {
  if (SPECS[alg].family === 'hmac') return parseVerificationKey(alg, material);
  let key: KeyObject;
  try {
    key = createPrivateKey(material);
  } catch (err) {
    throw new Error(`not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  checkKeyFits(alg, key);
  return key;
}

/** The public key (or, for HMAC, the same secret) that checks signatures made with `signingKey`. */
export function verificationKeyFor(signingKey: KeyObject): KeyObject {
  return signingKey.type === 'secret' ? signingKey : createPublicKey(signingKey);
}

function rawSignature(alg: SigningAlgorithm, data: Buffer, key: KeyObject): Buffer {
  const spec = SPECS[alg];
  switch (spec.family) {
    case 'hmac':
      return createHmac(spec.hash as string, key)
        .update(data)
        .digest();
    case 'rsa':
      return cryptoSign(spec.hash, data, key);
    case 'pss':
      return cryptoSign(spec.hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
    case 'ec':
      // JWS carries ECDSA signatures as raw r||s, not DER.
      return cryptoSign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'eddsa':
      return cryptoSign(null, data, key);
  }
}

/** Checks a JWS signature over `signingInput` (`<header>.<payload>` as sent). */
export function verifySignature(
  alg: SigningAlgorithm,
  signingInput: string,
  signature: Buffer,
  key: KeyObject,
): boolean {
  const spec = SPECS[alg];
  const data = Buffer.from(signingInput, 'ascii');
  try {
    switch (spec.family) {
      case 'hmac': {
        const expected = rawSignature(alg, data, key);
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'rsa':
        return cryptoVerify(spec.hash, data, key, signature);
      case 'pss':
        // Go's verifier accepts any salt length (PSSSaltLengthAuto); so does this one.
        return cryptoVerify(
          spec.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        );
      case 'ec':
        if (signature.length !== spec.signatureBytes) return false;
        return cryptoVerify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'eddsa':
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    // node throws on some malformed signatures (e.g. wrong RSA length); that is a failed check, not an error.
    return false;
  }
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs `payload` as a compact JWS with the given protected header fields (`alg` is set here). */
export function signCompact(
  alg: SigningAlgorithm,
  key: KeyObject,
  header: Record<string, unknown>,
  payload: string,
): string {
  const signingInput = `${base64url(JSON.stringify({ alg, ...header }))}.${base64url(payload)}`;
  return `${signingInput}.${base64url(rawSignature(alg, Buffer.from(signingInput, 'ascii'), key))}`;
}

/** A compact JWS split into its decoded parts. */
export interface DecodedJws {
  header: Record<string, unknown>;
  payload: unknown;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Splits and decodes a compact JWS without checking its signature; throws an Error on bad shape. */
export function decodeCompact(token: string): DecodedJws {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`a compact JWS has 3 dot-separated parts, this one has ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  // Node's base64url decoder skips characters it does not know; refuse them instead.
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) throw new Error('JWS parts must be unpadded base64url');
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch {
    throw new Error('JWS header is not JSON');
  }
  try {
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw new Error('JWS payload is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new Error('JWS header is not a JSON object');
  return {
    header: header as Record<string, unknown>,
    payload,
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}
