/**
 * Who is calling and what they may do. Scopes are a closed set and do not imply one another:
 * an `admin` token cannot make decisions and a `decide` token cannot read the audit trail, so a
 * leaked agent credential never reaches the operator surface (and the other way round). `approve`
 * lets a person approve or reject escalated actions (src/approvals/), and nothing else.
 */

/** The scopes a credential can carry. */
export const SCOPES = ['decide', 'admin', 'metrics', 'approve', 'scim'] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** How a caller proved who they are; null when authentication is off. */
export type AuthMethod = 'bearer' | 'mtls';

/** An authenticated caller (or the anonymous caller when authentication is off). */
export interface Identity {
  /** Token id or certificate subject CN; what audit records name as the actor. */
  readonly id: string;
  readonly auth: AuthMethod | null;
  readonly scopes: ReadonlySet<Scope>;
}

/**
 * A scope set nobody can change: identities are shared by every request with the same
 * credential, so a stray `add` would grant a scope to all of them.
 */
export function scopeSet(scopes: Iterable<Scope>): ReadonlySet<Scope> {
  const set = new Set(scopes);
  const refuse = (): never => {
    throw new TypeError('scopes are immutable');
  };
  Object.defineProperties(set, { add: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
  return Object.freeze(set);
}

/** The caller when authentication is off: OPA's default, where every caller may do everything. */
export const ANONYMOUS: Identity = Object.freeze({ id: 'anonymous', auth: null, scopes: scopeSet(SCOPES) });

/** True when `value` names a scope. */
export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}
