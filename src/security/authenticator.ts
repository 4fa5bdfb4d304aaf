/**
 * Decides who a request comes from, from its Authorization header and its TLS client
 * certificate. Bearer tokens are checked by hashing the presented token and comparing the digest
 * with every configured hash in constant time, with no early exit: the time taken says neither
 * whether nor which token matched, and regent never holds a plaintext token to leak.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthMethod, Identity, Scope } from './identity.ts';
import { ANONYMOUS, scopeSet } from './identity.ts';
import { authEnabled, type SecuritySettings, type TokenEntry } from './security-settings.ts';

/** What the TLS layer says about the peer: whether its certificate chains to the client CA, and its CN. */
export interface PeerCertificate {
  readonly authorized: boolean;
  /** The subject CN when there is exactly one; null otherwise. */
  readonly cn: string | null;
}

/** The outcome of identifying a request. */
export type AuthOutcome =
  | { readonly kind: 'identified'; readonly identity: Identity }
  /** No credential at all: 401 asking for a bearer token. */
  | { readonly kind: 'missing' }
  /** A credential that does not check out: 401 with `error="invalid_token"`. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** Compares two equal-length digests; `crypto.timingSafeEqual` unless a test counts calls. */
export type DigestComparator = (a: Uint8Array, b: Uint8Array) => boolean;

/** Hooks for tests that check the comparison structurally rather than by timing. */
export interface AuthenticatorOptions {
  compare?: DigestComparator;
  digest?: (token: string) => Buffer;
}

/** RFC 6750 b64token: the only token syntax a Bearer header may carry. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
/** Longest token looked at; real tokens are far shorter, and a bound keeps hashing cheap. */
const MAX_TOKEN_LENGTH = 4096;

const sha256 = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Identifies callers against the configured tokens and client certificates. */
export class Authenticator {
  /** False when neither tokens nor a client CA are configured: every caller is {@link ANONYMOUS}. */
  readonly enabled: boolean;
  #tokens: readonly TokenEntry[] = [];
  #tokenIdentities: ReadonlyMap<TokenEntry, Identity> = new Map();
  #clients: ReadonlyMap<string, Identity> = new Map();
  readonly #compare: DigestComparator;
  readonly #digest: (token: string) => Buffer;

  constructor(settings: SecuritySettings, options: AuthenticatorOptions = {}) {
    this.enabled = authEnabled(settings);
    this.#install(settings);
    this.#compare = options.compare ?? timingSafeEqual;
    this.#digest = options.digest ?? sha256;
  }

  /**
   * Swaps in new tokens and client-certificate scopes (the files re-read, e.g. on SIGHUP), so a
   * token is revoked without a restart that would drop in-memory session state. Throws, keeping
   * the current tables, when the change would turn authentication off or on: that is a restart
   * decision (it also decides which addresses regent may bind), never a side effect of a file edit.
   */
  reload(settings: SecuritySettings): void {
    if (authEnabled(settings) !== this.enabled)
      throw new Error(
        this.enabled
          ? 'the new credentials would turn authentication off (no tokens and no client CA); restart regent to do that'
          : 'authentication is off; restart regent to turn it on',
      );
    this.#install(settings);
  }

  #install(settings: SecuritySettings): void {
    // Three fields, assigned together in one synchronous step: no request sees a mix.
    this.#tokens = settings.tokens;
    this.#tokenIdentities = new Map(settings.tokens.map((t) => [t, identity(t.id, 'bearer', t.scopes)]));
    this.#clients = new Map(settings.clients.map((c) => [c.cn, identity(c.cn, 'mtls', c.scopes)]));
  }

  /**
   * Identifies a request. A bearer header, when present, decides alone (a bad token is refused
   * even over a good client certificate, so a mistake is never papered over); otherwise a client
   * certificate verified against the client CA names the caller by its CN.
   */
  identify(authorization: string | undefined, peer: PeerCertificate | null): AuthOutcome {
    if (!this.enabled) return { kind: 'identified', identity: ANONYMOUS };
    if (authorization !== undefined) return this.#bearer(authorization);
    if (peer !== null && peer.authorized) {
      if (peer.cn === null) return { kind: 'invalid', reason: 'client certificate has no single subject CN' };
      // A CA-signed certificate the map does not name is authenticated but granted nothing (403).
      return { kind: 'identified', identity: this.#clients.get(peer.cn) ?? identity(peer.cn, 'mtls', []) };
    }
    return { kind: 'missing' };
  }

  /** Checks a presented token against every configured hash; see the module comment for why all of them. */
  verifyToken(token: string): TokenEntry | null {
    const presented = this.#digest(token);
    let found: TokenEntry | null = null;
    for (const entry of this.#tokens) {
      // No break on a match: every configured hash is compared on every request.
      const same = this.#compare(presented, entry.hash);
      found = same && found === null ? entry : found;
    }
    return found;
  }

  #bearer(header: string): AuthOutcome {
    const match = header.length <= MAX_TOKEN_LENGTH + 16 ? BEARER.exec(header) : null;
    const token = match?.[1];
    if (token === undefined) return { kind: 'invalid', reason: 'Authorization is not a Bearer token' };
    const entry = this.verifyToken(token);
    if (entry === null) return { kind: 'invalid', reason: 'unknown bearer token' };
    return {
      kind: 'identified',
      identity: this.#tokenIdentities.get(entry) ?? identity(entry.id, 'bearer', entry.scopes),
    };
  }
}

function identity(id: string, auth: AuthMethod, scopes: readonly Scope[]): Identity {
  return Object.freeze({ id, auth, scopes: scopeSet(scopes) });
}
