/**
 * The session store contract. A decision is made on a loaded state and committed only if that
 * state is still current (optimistic concurrency): otherwise two concurrent reads, of competitor
 * A and of competitor B, could both be decided on an empty session and both be allowed, which
 * is a Chinese-wall bypass. On a conflict the caller reloads and decides again.
 *
 * Every failure to reach the backing store throws SessionStoreUnavailableError; a store never
 * answers "nothing known" when it does not know.
 */
import { SessionConflictError } from './errors.ts';
import type { SessionEffects, SessionState } from './session-state.ts';

/** Outcome of a compare-and-apply: the new state, or a conflict because the version moved on. */
export type CommitResult = { readonly ok: true; readonly state: SessionState } | { readonly ok: false };

/** Result of a health probe, for readiness endpoints. */
export interface StoreHealth {
  readonly ok: boolean;
  readonly backend: 'memory' | 'redis';
  /** Why the store is not ok (short, no secrets such as the Redis URL's password). */
  readonly detail?: string;
}

/** Session flow state with optimistic concurrency; implemented in memory and on Redis. */
export interface SessionStore {
  /** The stored state, or a fresh empty one with version 0 when the session is unknown or expired. */
  load(id: string): Promise<SessionState>;
  /** Applies `effects` atomically if the stored version is still `expectedVersion`; refreshes the idle TTL. */
  commit(id: string, expectedVersion: number, effects: SessionEffects): Promise<CommitResult>;
  /** The stored state for the admin API, or null when absent; unlike `load`, never invents one. */
  get(id: string): Promise<SessionState | null>;
  /** Forgets a session; true when there was one. */
  delete(id: string): Promise<boolean>;
  /** Whether the store can serve decisions now. Never throws. */
  health(): Promise<StoreHealth>;
  /** Releases timers and connections; later calls throw SessionStoreUnavailableError. */
  close(): Promise<void>;
}

/** What one attempt of a decision produced: its result and the effects to commit (null: commit nothing). */
export interface Attempt<T> {
  readonly result: T;
  readonly effects: SessionEffects | null;
}

/**
 * Runs load -> decide -> commit until a commit lands, at most `maxAttempts` times, then throws
 * SessionConflictError so the caller can deny. `decide` must be free of side effects other than
 * its return value, because it may run again on a newer state.
 */
export async function decideWithSession<T>(
  store: SessionStore,
  id: string,
  decide: (state: SessionState) => Attempt<T> | Promise<Attempt<T>>,
  maxAttempts = 4,
): Promise<{ result: T; state: SessionState; attempts: number }> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const state = await store.load(id);
    const { result, effects } = await decide(state);
    // A decision that changes nothing (a deny) is safe on any state; no commit, no retry.
    if (effects === null) return { result, state, attempts: attempt };
    const committed = await store.commit(id, state.version, effects);
    if (committed.ok) return { result, state: committed.state, attempts: attempt };
  }
  throw new SessionConflictError(id, maxAttempts);
}
