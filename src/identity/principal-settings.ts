/**
 * The principal-verification configuration keys and their start-up checks: which combinations
 * turn verification on, which are errors (an issuer without a key source, a JWKS URL that is not
 * https, a symmetric key or algorithm), and the JWKS file's shape. Every problem is reported, so
 * an operator fixes a deployment in one round; key material never appears in a message.
 */
import type { JSONWebKeySet } from 'jose';

/** The configuration keys this module reads (names as in src/config/config-keys.ts). */
export interface PrincipalKeys {
  readonly principalIssuer: string;
  readonly principalAudience: string;
  readonly principalJwksFile: string;
  readonly principalJwksUrl: string;
  readonly principalClockSkewSeconds: number;
  readonly principalGroupsClaim: string;
  readonly principalHeader: string;
  readonly principalAlgorithms: string;
}

/**
 * Asymmetric JWS algorithms a principal token may use. HS* is never allowed: with a published
 * JWKS a shared secret would be a public one; `none` is never allowed.
 */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
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
  'Ed25519',
];

/** Key types a principal JWKS may hold: public asymmetric keys only (never `oct`). */
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);
/** More keys than any identity provider publishes; a bigger file is a mistake. */
const MAX_KEYS = 100;
/** RFC 7230 token characters: a header name regent can read. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,128}$/;
/** Headers that already mean something to regent or to HTTP. */
const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'content-type', 'content-length', 'host']);

/** Whether principal verification is on: an issuer and a key source are configured. */
export function principalVerificationEnabled(keys: PrincipalKeys): boolean {
  return keys.principalIssuer !== '' && (keys.principalJwksFile !== '' || keys.principalJwksUrl !== '');
}

/** The configured algorithm list, parsed (comma-separated, spaces ignored). */
export function parseAlgorithms(text: string): string[] {
  return text
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/**
 * Parses a JWKS document and checks it holds only public asymmetric keys; throws an Error whose
 * message names the problem (never the key material).
 */
export function parseJwks(text: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new Error('must be a JWKS: {"keys": [...]}');
  }
  const keys = (doc as { keys: unknown[] }).keys;
  if (keys.length === 0) throw new Error('holds no keys');
  if (keys.length > MAX_KEYS) throw new Error(`holds more than ${MAX_KEYS} keys`);
  keys.forEach((key, i) => {
    if (key === null || typeof key !== 'object') throw new Error(`keys[${i}] is not an object`);
    const { kty, d, k } = key as { kty?: unknown; d?: unknown; k?: unknown };
    if (typeof kty !== 'string' || !KEY_TYPES.has(kty)) {
      throw new Error(`keys[${i}]: kty must be one of RSA, EC, OKP (symmetric keys are never accepted)`);
    }
    if (d !== undefined || k !== undefined)
      throw new Error(`keys[${i}] holds private key material; publish public keys only`);
  });
  return doc as JSONWebKeySet;
}

/** Checks the principal keys (and reads the JWKS file); returns every problem found. */
export function checkPrincipalKeys(keys: PrincipalKeys, readFile: (path: string) => string): string[] {
  const problems: string[] = [];
  const file = keys.principalJwksFile;
  const url = keys.principalJwksUrl;
  const issuer = keys.principalIssuer;
  if (file !== '' && url !== '') {
    problems.push('REGENT_PRINCIPAL_JWKS_FILE and REGENT_PRINCIPAL_JWKS_URL: set one key source, not both');
  }
  if (issuer === '' && (file !== '' || url !== '' || keys.principalAudience !== '')) {
    problems.push(
      'REGENT_PRINCIPAL_ISSUER: needed with a principal key source or audience (tokens from any issuer would do)',
    );
  }
  if (issuer !== '' && file === '' && url === '') {
    problems.push(
      'REGENT_PRINCIPAL_ISSUER: needs REGENT_PRINCIPAL_JWKS_FILE or REGENT_PRINCIPAL_JWKS_URL to verify against',
    );
  }
  if (issuer !== '' && keys.principalAudience === '') {
    problems.push(
      'REGENT_PRINCIPAL_AUDIENCE: needed with REGENT_PRINCIPAL_ISSUER (a token minted for another service would do)',
    );
  }
  if (url !== '') {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      problems.push('REGENT_PRINCIPAL_JWKS_URL: not a URL');
    }
    if (parsed !== undefined && parsed.protocol !== 'https:') {
      problems.push('REGENT_PRINCIPAL_JWKS_URL: must be https (keys fetched in clear could be swapped in transit)');
    }
    if (parsed !== undefined && (parsed.username !== '' || parsed.password !== '')) {
      problems.push('REGENT_PRINCIPAL_JWKS_URL: must not carry credentials');
    }
  }
  if (file !== '') {
    try {
      parseJwks(readFile(file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(
        `REGENT_PRINCIPAL_JWKS_FILE (${file}): ${code === undefined ? (err as Error).message : `cannot read (${code})`}`,
      );
    }
  }
  const algorithms = parseAlgorithms(keys.principalAlgorithms);
  if (algorithms.length === 0) problems.push('REGENT_PRINCIPAL_ALGORITHMS: names no algorithm');
  for (const alg of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.includes(alg)) {
      problems.push(
        `REGENT_PRINCIPAL_ALGORITHMS: "${alg.slice(0, 32)}" is not one of ${ASYMMETRIC_ALGORITHMS.join(', ')} (never none or HS*)`,
      );
    }
  }
  if (keys.principalGroupsClaim === '') problems.push('REGENT_PRINCIPAL_GROUPS_CLAIM: must not be empty');
  const header = keys.principalHeader;
  if (!HEADER_NAME.test(header)) {
    problems.push('REGENT_PRINCIPAL_HEADER: must be a lower-case HTTP header name');
  } else if (RESERVED_HEADERS.has(header)) {
    problems.push(`REGENT_PRINCIPAL_HEADER: "${header}" already has a meaning; choose another name`);
  }
  return problems;
}
