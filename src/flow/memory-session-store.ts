/**
 * The default session store: one process, no dependencies. Right for a single replica; several
 * replicas need RedisSessionStore, or each would remember only the calls it happened to serve.
 *
 * Sessions live in a Map kept in commit order, so the head is both the least recently committed
 * (evicted first when the bound is reached) and the next to expire (the sweep stops at the first
 * live one). Reads do not reorder it: a session is "used" when a decision lands on it.
 */
import { SessionStoreUnavailableError } from './errors.ts';
import {
  advanceState,
  emptyState,
  normalizeEffects,
  type ClassificationRanks,
  type SessionEffects,
  type SessionState,
} from './session-state.ts';
import type { CommitResult, SessionStore, StoreHealth } from './session-store.ts';

/** Settings of the in-memory store. */
export interface MemorySessionStoreOptions {
  readonly ranks: ClassificationRanks;
  /** Idle time after the last commit before a session is forgotten (REGENT_SESSION_TTL_SECONDS). */
  readonly idleTtlSeconds: number;
  /** Sessions kept before the least recently committed is evicted (REGENT_MAX_SESSIONS). */
  readonly maxSessions: number;
  /** How often expired sessions are swept out; expiry is also checked on every access. */
  readonly sweepIntervalSeconds?: number;
  /** Clock in epoch milliseconds; injectable so tests need not sleep. */
  readonly now?: () => number;
}

/** Counters for metrics: how many sessions are held and why others were dropped. */
export interface MemorySessionStats {
  readonly sessions: number;
  readonly evictions: number;
  readonly expirations: number;
}

interface Entry {
  state: SessionState;
  expiresAt: number;
}

/** Session store in process memory with an idle TTL and an LRU bound. */
export class MemorySessionStore implements SessionStore {
  readonly #ranks: ClassificationRanks;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Entry>();
  readonly #sweeper: NodeJS.Timeout;
  // One sequence for the whole store, so a version is never reused for an id even after the
  // session expired or was deleted: a decision made on an old incarnation cannot commit to a new one.
  #sequence = 0;
  #evictions = 0;
  #expirations = 0;
  #closed = false;

  constructor(options: MemorySessionStoreOptions) {
    if (!(options.idleTtlSeconds > 0)) throw new RangeError('idleTtlSeconds must be positive');
    if (!(Number.isInteger(options.maxSessions) && options.maxSessions > 0))
      throw new RangeError('maxSessions must be a positive integer');
    this.#ranks = options.ranks;
    this.#ttlMs = options.idleTtlSeconds * 1000;
    this.#max = options.maxSessions;
    this.#now = options.now ?? Date.now;
    const everyMs = (options.sweepIntervalSeconds ?? 60) * 1000;
    this.#sweeper = setInterval(() => this.sweep(), everyMs);
    this.#sweeper.unref(); // a housekeeping timer must not keep the process alive
  }

  /** @inheritdoc */
  load(id: string): Promise<SessionState> {
    return this.#run(() => this.#live(id)?.state ?? emptyState(id, new Date(this.#now()).toISOString()));
  }

  /** @inheritdoc */
  commit(id: string, expectedVersion: number, effects: SessionEffects): Promise<CommitResult> {
    return this.#run(() => this.#commit(id, expectedVersion, effects));
  }

  /** @inheritdoc */
  get(id: string): Promise<SessionState | null> {
    return this.#run(() => this.#live(id)?.state ?? null);
  }

  /** @inheritdoc */
  delete(id: string): Promise<boolean> {
    return this.#run(() => this.#live(id) !== undefined && this.#sessions.delete(id));
  }

  /** @inheritdoc */
  health(): Promise<StoreHealth> {
    return Promise.resolve(
      this.#closed ? { ok: false, backend: 'memory', detail: 'closed' } : { ok: true, backend: 'memory' },
    );
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sessions.clear();
    return Promise.resolve();
  }

  // Synchronous from check to write, so a commit is atomic on the single JS thread.
  #commit(id: string, expectedVersion: number, effects: SessionEffects): CommitResult {
    const normalized = normalizeEffects(effects);
    const now = this.#now();
    const nowIso = new Date(now).toISOString();
    const current = this.#live(id)?.state ?? emptyState(id, nowIso);
    if (current.version !== expectedVersion) return { ok: false };
    const state = freeze(advanceState(current, normalized, this.#ranks, nowIso, ++this.#sequence));
    this.#sessions.delete(id); // re-insert at the tail: most recently committed
    this.#sessions.set(id, { state, expiresAt: now + this.#ttlMs });
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
      this.#evictions++;
    }
    return { ok: true, state };
  }

  /** Drops expired sessions from the head; returns how many. Runs on a timer, callable from tests. */
  sweep(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [id, entry] of this.#sessions) {
      if (entry.expiresAt > now) break; // commit order is expiry order
      this.#sessions.delete(id);
      dropped++;
    }
    this.#expirations += dropped;
    return dropped;
  }

  /** Current size and drop counters. */
  stats(): MemorySessionStats {
    return { sessions: this.#sessions.size, evictions: this.#evictions, expirations: this.#expirations };
  }

  #live(id: string): Entry | undefined {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#sessions.delete(id);
    this.#expirations++;
    return undefined;
  }

  // Runs a synchronous operation as a promise, turning a throw into a rejection.
  #run<T>(operation: () => T): Promise<T> {
    try {
      if (this.#closed) throw new SessionStoreUnavailableError('the session store is closed');
      return Promise.resolve(operation());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

// Callers get the stored object itself, so it must be immutable.
function freeze(state: SessionState): SessionState {
  Object.freeze(state.labels);
  Object.freeze(state.systems);
  Object.freeze(state.untrusted_sources);
  Object.freeze(state.untrusted_values);
  Object.freeze(state.trusted_values);
  return Object.freeze(state);
}
