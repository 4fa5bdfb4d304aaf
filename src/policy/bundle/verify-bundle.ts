/**
 * Verifies an OPA bundle signature the way OPA does (bundle/verify.go, bundle.go), so bundles
 * teams already sign for their OPA fleets load in regent unchanged:
 *
 * - `/.signatures.json` is `{"signatures": ["<compact JWS>"]}` with exactly one token;
 * - the key is the configured `keyid`, else the token's `kid` header, else its deprecated
 *   `keyid` claim; it must be configured, and its algorithm decides how the token is checked;
 * - the token's `scope` must equal the configured scope (or the key's), absent counting as "";
 * - every file except `/.signatures.json` and `exclude_files` matches must be listed with a
 *   matching digest, and every listed file must be present.
 *
 * One deliberate difference: OPA demands a signature only when `keyid` is configured, so a
 * configuration that lets the token pick among several keys accepts a bundle stripped of its
 * signature (opa#8531, the 2026 advisory). Here the configuration alone decides: once
 * verification is configured, an unsigned bundle is rejected, whatever it contains.
 */
import type { KeyObject } from 'node:crypto';
import { BundleError } from '../../errors/policy-errors.ts';
import { fileDigest } from './file-digest.ts';
import {
  decodeCompact,
  isSigningAlgorithm,
  parseVerificationKey,
  SIGNING_ALGORITHMS,
  verifySignature,
  type SigningAlgorithm,
} from './jws.ts';
import { BundleVerificationError } from './verification-error.ts';

/** One verification key, shaped like an entry of OPA's top-level `keys` block. */
export interface VerificationKey {
  /** JWA algorithm; OPA's default is RS256. */
  algorithm?: SigningAlgorithm;
  /** PEM public key, certificate (or private key) for RS/PS/ES/EdDSA; the shared secret for HS. */
  key: string;
  /** Scope expected when the bundle's signing config sets none. */
  scope?: string;
}

/**
 * Signature verification for one bundle source: OPA's `bundles.<name>.signing` block plus the
 * keys it may use. Field names follow OPA's so existing configurations map one to one.
 */
export interface VerificationConfig {
  /** Keys by id. */
  keys: Readonly<Record<string, VerificationKey>>;
  /** Always use this key, whatever the token names. Without it, the token's `kid` picks a configured key. */
  keyid?: string;
  /** Scope the token must carry. */
  scope?: string;
  /** Glob patterns (Go filepath.Match, no leading `/`) of files that need not be signed. */
  exclude_files?: readonly string[];
}

/** What a successful verification established, for logs and status. */
export interface VerifiedSignature {
  keyid: string;
  algorithm: SigningAlgorithm;
  scope: string;
  /** Files whose digests matched (paths with leading `/`). */
  verifiedFiles: string[];
  /** Files present but skipped by `exclude_files`. */
  excludedFiles: string[];
}

interface CompiledKey {
  algorithm: SigningAlgorithm;
  key: KeyObject;
  scope: string;
}

interface CompiledConfig {
  keys: Map<string, CompiledKey>;
  keyid: string | undefined;
  scope: string | undefined;
  exclude: RegExp[];
}

const SIGNATURES_FILE = '/.signatures.json';

/** A regex atom matching exactly `ch` (escaped by code point, so no character is special). */
function literal(ch: string): string {
  return `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
}

/**
 * Translates a Go filepath.Match pattern (OPA matches `exclude_files` with it) into an anchored
 * RegExp: `*` and `?` stop at `/`, `[...]` classes with ranges and `^` negation, backslash escapes.
 * Throws on patterns Go would call malformed, so a typo fails at start-up instead of silently
 * excluding nothing.
 */
export function globToRegExp(pattern: string): RegExp {
  // By code point, as Go's matcher walks runes.
  const chars = Array.from(pattern);
  const bad = (why: string): never => {
    throw new Error(`pattern ${JSON.stringify(pattern)} ${why}`);
  };
  const escaped = (j: number): [string, number] => {
    const ch = chars[j] ?? bad('has an unterminated character class');
    if (ch !== '\\') return [ch, j];
    return [chars[j + 1] ?? bad('ends in an escape'), j + 1];
  };
  let re = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') re += literal(chars[++i] ?? bad('ends in an escape'));
    else if (c === '[') {
      let j = i + 1;
      const negated = chars[j] === '^';
      if (negated) j++;
      let cls = '';
      for (;;) {
        if (chars[j] === ']' && cls !== '') break;
        if (chars[j] === '-' || chars[j] === ']') bad('has a malformed character class');
        const [lo, loEnd] = escaped(j);
        cls += literal(lo);
        j = loEnd + 1;
        if (chars[j] === '-') {
          if (chars[j + 1] === ']' || chars[j + 1] === '-') bad('has a malformed character class');
          const [hi, hiEnd] = escaped(j + 1);
          cls += '-' + literal(hi);
          j = hiEnd + 1;
        }
      }
      re += `[${negated ? '^' : ''}${cls}]`;
      i = j;
    } else re += literal(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

/** Lists every problem in a verification config (empty when usable); for start-up validation that reports all at once. */
export function checkVerificationConfig(config: VerificationConfig): string[] {
  const problems: string[] = [];
  const ids = Object.keys(config.keys);
  if (ids.length === 0) problems.push('signing: no verification keys are configured');
  for (const id of ids) {
    const entry = config.keys[id] as VerificationKey;
    const algorithm = entry.algorithm ?? 'RS256';
    if (!isSigningAlgorithm(algorithm)) {
      problems.push(
        `keys.${id}.algorithm: ${JSON.stringify(algorithm)} is not one of ${SIGNING_ALGORITHMS.join(', ')}`,
      );
      continue;
    }
    try {
      parseVerificationKey(algorithm, entry.key);
    } catch (err) {
      problems.push(`keys.${id}.key: ${(err as Error).message}`);
    }
  }
  if (config.keyid !== undefined && !Object.hasOwn(config.keys, config.keyid)) {
    problems.push(
      `signing.keyid: key "${config.keyid}" is not among the configured keys (${ids.join(', ') || 'none'})`,
    );
  }
  for (const pattern of config.exclude_files ?? []) {
    try {
      globToRegExp(pattern);
    } catch (err) {
      problems.push(`signing.exclude_files: ${(err as Error).message}`);
    }
  }
  return problems;
}

const compiled = new WeakMap<VerificationConfig, CompiledConfig>();

/** Parses keys and patterns once per config object; throws a BundleError naming every problem. */
function compile(config: VerificationConfig): CompiledConfig {
  const cached = compiled.get(config);
  if (cached !== undefined) return cached;
  const problems = checkVerificationConfig(config);
  if (problems.length > 0) throw new BundleError(`bundle verification is misconfigured: ${problems.join('; ')}`);
  const keys = new Map<string, CompiledKey>();
  for (const [id, entry] of Object.entries(config.keys)) {
    const algorithm = entry.algorithm ?? 'RS256';
    keys.set(id, { algorithm, key: parseVerificationKey(algorithm, entry.key), scope: entry.scope ?? '' });
  }
  const result: CompiledConfig = {
    keys,
    keyid: config.keyid === '' ? undefined : config.keyid,
    scope: config.scope === '' ? undefined : config.scope,
    exclude: (config.exclude_files ?? []).map(globToRegExp),
  };
  compiled.set(config, result);
  return result;
}

function malformed(message: string): BundleVerificationError {
  return new BundleVerificationError('malformed_signature', message);
}

/** Reads the one token out of `/.signatures.json`. */
function readToken(bytes: Uint8Array): string {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw malformed('/.signatures.json is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw malformed('/.signatures.json is not a JSON object');
  const { signatures, plugin } = doc as { signatures?: unknown; plugin?: unknown };
  // "_default" is what OPA's own signer writes; any other plugin means a verifier regent does not have.
  if (plugin !== undefined && plugin !== '' && plugin !== '_default') {
    throw new BundleVerificationError(
      'unsupported_plugin',
      `/.signatures.json asks for verifier plugin ${JSON.stringify(plugin)}, which regent does not have`,
    );
  }
  if (signatures === undefined || (Array.isArray(signatures) && signatures.length === 0)) {
    throw new BundleVerificationError('unsigned', '/.signatures.json holds no signature (expected exactly one JWT)');
  }
  if (!Array.isArray(signatures) || !signatures.every((s) => typeof s === 'string'))
    throw malformed('/.signatures.json "signatures" must be an array of strings');
  if (signatures.length > 1)
    throw malformed(`/.signatures.json holds ${signatures.length} JWTs; OPA supports exactly one`);
  return signatures[0] as string;
}

interface SignedFile {
  name: string;
  hash: string;
  algorithm: string;
}

/** Validates the decoded JWT claims OPA reads (DecodedSignature). */
function readClaims(payload: unknown): { files: SignedFile[]; keyid: string | undefined; scope: string } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw malformed('JWT payload is not a JSON object');
  const p = payload as Record<string, unknown>;
  if (!Array.isArray(p['files'])) throw malformed('JWT payload has no "files" list');
  const files: SignedFile[] = [];
  for (const f of p['files'] as unknown[]) {
    const { name, hash, algorithm } = (f ?? {}) as Record<string, unknown>;
    if (
      typeof name !== 'string' ||
      typeof hash !== 'string' ||
      typeof algorithm !== 'string' ||
      name === '' ||
      algorithm === ''
    ) {
      throw malformed('every JWT "files" entry needs string "name", "hash" and "algorithm"');
    }
    files.push({ name, hash, algorithm });
  }
  for (const claim of ['keyid', 'scope', 'iss'] as const) {
    if (p[claim] !== undefined && typeof p[claim] !== 'string')
      throw malformed(`JWT claim "${claim}" must be a string`);
  }
  if (p['iat'] !== undefined && typeof p['iat'] !== 'number') throw malformed('JWT claim "iat" must be a number');
  return {
    files,
    keyid: (p['keyid'] as string | undefined) || undefined,
    scope: (p['scope'] as string | undefined) ?? '',
  };
}

/**
 * Verifies a bundle's signature against `config`. With `config` undefined, an unsigned bundle
 * passes (returns undefined) and a signed one is rejected, as OPA rejects a signed bundle it has
 * no keys for. Throws {@link BundleVerificationError} naming the broken rule.
 */
export function verifyBundle(
  files: ReadonlyMap<string, Uint8Array>,
  config: VerificationConfig | undefined,
): VerifiedSignature | undefined {
  const signaturesFile = files.get(SIGNATURES_FILE);
  if (config === undefined) {
    if (signaturesFile === undefined) return undefined;
    throw new BundleVerificationError(
      'keys_not_configured',
      'the bundle is signed but no verification keys are configured for it',
    );
  }
  const c = compile(config);
  if (signaturesFile === undefined) {
    throw new BundleVerificationError(
      'unsigned',
      'the bundle has no /.signatures.json but its source requires a signature (stripped or unsigned bundle)',
    );
  }

  let jws;
  try {
    jws = decodeCompact(readToken(signaturesFile));
  } catch (err) {
    if (err instanceof BundleVerificationError) throw err;
    throw malformed(`/.signatures.json: ${(err as Error).message}`);
  }
  const { header } = jws;
  // Extensions regent does not implement (e.g. RFC 7797 unencoded payloads) would change what is signed.
  if (header['crit'] !== undefined || (header['b64'] !== undefined && header['b64'] !== true)) {
    throw malformed('JWT uses critical header extensions regent does not support');
  }
  const claims = readClaims(jws.payload);

  // The configuration decides the key when it names one; only otherwise may the token pick.
  const kid = typeof header['kid'] === 'string' && header['kid'] !== '' ? header['kid'] : undefined;
  const keyid = c.keyid ?? kid ?? claims.keyid;
  if (keyid === undefined) {
    throw new BundleVerificationError(
      'no_key_id',
      'the signature names no key ("kid" header or "keyid" claim) and no keyid is configured',
    );
  }
  const key = c.keys.get(keyid);
  if (key === undefined) {
    throw new BundleVerificationError(
      'unknown_key',
      `the signature names key "${keyid}", which is not configured (configured: ${[...c.keys.keys()].join(', ')})`,
    );
  }
  // OPA checks with the configured algorithm whatever the header says; a header that disagrees
  // is refused outright rather than trusted or ignored.
  if (header['alg'] !== key.algorithm) {
    throw new BundleVerificationError(
      'algorithm_mismatch',
      `the token is ${JSON.stringify(header['alg'])} but key "${keyid}" is ${key.algorithm}`,
    );
  }
  if (!verifySignature(key.algorithm, jws.signingInput, jws.signature, key.key)) {
    throw new BundleVerificationError(
      'bad_signature',
      `the JWT signature does not verify with key "${keyid}" (${key.algorithm})`,
    );
  }

  const scope = c.scope ?? key.scope;
  if (claims.scope !== scope) {
    throw new BundleVerificationError(
      'scope_mismatch',
      `the bundle is signed for scope ${JSON.stringify(claims.scope)}, expected ${JSON.stringify(scope)}`,
    );
  }

  const listed = new Map<string, SignedFile>();
  for (const f of claims.files) {
    if (listed.has(f.name)) throw malformed(`the signature lists ${f.name} twice`);
    listed.set(f.name, f);
  }
  const verifiedFiles: string[] = [];
  const excludedFiles: string[] = [];
  for (const [filePath, bytes] of files) {
    if (filePath === SIGNATURES_FILE) continue;
    // Signature payloads name files without the leading slash, as OPA writes them.
    const name = filePath.slice(1);
    if (c.exclude.some((re) => re.test(name))) {
      excludedFiles.push(filePath);
      listed.delete(name);
      continue;
    }
    const entry = listed.get(name);
    if (entry === undefined) {
      throw new BundleVerificationError(
        'unsigned_file',
        `${filePath} is in the bundle but not in its signature (file added after signing)`,
      );
    }
    const actual = fileDigest(filePath, bytes, entry.algorithm);
    if (actual !== entry.hash.toLowerCase()) {
      throw new BundleVerificationError(
        'digest_mismatch',
        `${filePath} does not match its signed ${entry.algorithm} digest (file changed after signing)`,
      );
    }
    listed.delete(name);
    verifiedFiles.push(filePath);
  }
  if (listed.size > 0) {
    const missing = [...listed.keys()].map((n) => '/' + n);
    throw new BundleVerificationError(
      'missing_file',
      `the signature lists ${missing.join(', ')} but the bundle lacks ${missing.length === 1 ? 'it' : 'them'}`,
    );
  }
  return { keyid, algorithm: key.algorithm, scope, verifiedFiles, excludedFiles };
}
