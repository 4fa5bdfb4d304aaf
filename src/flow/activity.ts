/**
 * Activity windows: per agent, per session and per principal, what happened over the last few
 * minutes (`input.activity` in docs/policy-contract.md), so a policy can stop an agent that
 * suddenly reads many restricted records, touches many systems, or pushes out many bytes.
 *
 * Counters are bucketed: the window of W seconds is cut into B buckets of W/B seconds, and a
 * snapshot sums the current bucket and the B before it. That covers at least the last W seconds
 * and at most W + W/B: an event is never forgotten early, and may be remembered up to one bucket
 * late. For a rate limit, over-counting by a bucket is the safe direction. distinct_systems uses
 * the same window start, but from exact per-system last-seen times.
 *
 * Why reservation is atomic: a decision first *reserves* its action. One indivisible step (a
 * synchronous block in memory, one Lua script on Redis) takes the counters as they stand and
 * adds this action, its restricted read and its system to them, so the next reservation, from
 * this process or another replica on the same Redis, already sees it. Ten concurrent restricted
 * reads therefore see 0..9, never the same number twice, and a limit of 5 lets exactly five
 * through. Reading first and recording after the decision (the old design) let every request
 * in flight see the same count. After the decision, `settle` corrects the reservation in the
 * bucket it was made in: a deny adds a denial and gives back the restricted read (nothing was
 * read); regent's own failures count as `faults`, never as denials, so an outage does not lock
 * sessions out afterwards. A reservation never settled (a crash, a timeout after Redis ran the
 * script) stays counted: the safe direction again.
 */

/** Whose counters an action goes to: the agent always, the session and principal when named. */
export interface ActivityKeys {
  readonly agent: string;
  readonly session: string | null;
  /** The id of the principal the agent acts on behalf of. */
  readonly principal: string | null;
}

/** What a reservation counts before the decision is known. */
export interface ActivityIntent {
  /** Whether the action would read restricted data (given back if it is denied). */
  readonly restrictedRead: boolean;
  /** The system the action touches, if any. */
  readonly system: string | null;
}

/** How a reserved action was decided. */
export interface ActivityOutcome {
  readonly decision: 'allow' | 'deny' | 'redact';
  /** The deny came from regent's own failure (store, audit trail, evaluation), not from the policy. */
  readonly fault: boolean;
  /** Bytes the action sends out of the organisation's systems; counted unless denied. */
  readonly bytesOut: number;
}

/** Counters over the window, in the contract's shape. */
export interface ActivityCounters {
  readonly window_seconds: number;
  readonly actions: number;
  readonly denials: number;
  readonly faults: number;
  readonly restricted_reads: number;
  readonly distinct_systems: number;
  readonly bytes_out: number;
}

/** `input.activity`: the agent's counters, and the session's and principal's when named. */
// A type alias (not an interface) so that it is assignable to the port's Record<string, unknown>.
export type ActivitySnapshot = {
  readonly agent: ActivityCounters;
  readonly session?: ActivityCounters;
  readonly principal?: ActivityCounters;
};

/** A reserved action: the counters as they stood just before it; the rest is the store's own. */
export interface ActivityReservation {
  readonly activity: ActivitySnapshot;
}

/** Sliding-window activity counters with atomic reservation; implemented in memory and on Redis. */
export interface ActivityStore {
  /**
   * Atomically counts one action at epoch-millisecond `now` (and its restricted read and system)
   * for the agent and, when named, the session and principal, and returns the counters as they
   * stood just before it, others' unsettled reservations included. Throws when the store cannot
   * answer (SessionStoreUnavailableError) or the intent is malformed (RangeError): the caller denies.
   */
  reserve(keys: ActivityKeys, intent: ActivityIntent, now: number): Promise<ActivityReservation>;
  /**
   * Applies the decision to the bucket the reservation was counted in: a deny adds a denial
   * (or a fault when `fault`) and gives back the restricted read; bytes out are added unless
   * denied. At most once per reservation; an unknown, already-settled or expired reservation is
   * ignored. Rejects only when the store cannot be reached or `bytesOut` is malformed.
   */
  settle(reservation: ActivityReservation, outcome: ActivityOutcome): Promise<void>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}

/** Window length and bucket count shared by both backends. */
export interface ActivityWindowOptions {
  /** REGENT_ACTIVITY_WINDOW_SECONDS (default 300). */
  readonly windowSeconds: number;
  /** Buckets per window (default 10): more is closer to exact, and costs more memory. */
  readonly buckets?: number;
  /** Distinct systems remembered per agent, session or principal; beyond it the count saturates (default 1000). */
  readonly maxSystems?: number;
}

/** Where `now` falls in the bucket grid. */
export interface WindowPosition {
  /** Index of the bucket holding `now`. */
  readonly current: number;
  /** Oldest bucket index a snapshot still counts (`current - buckets`). */
  readonly oldest: number;
  /** Epoch ms where the oldest counted bucket begins; systems seen since then count. */
  readonly startMs: number;
  /** How long a bucket can still be read after its last write, in ms. */
  readonly retentionMs: number;
}

/** Validated window settings with defaults filled in. */
export interface WindowSettings {
  readonly windowSeconds: number;
  readonly buckets: number;
  readonly bucketMs: number;
  readonly maxSystems: number;
}

/** Checks window options and fills in defaults. */
export function windowSettings(options: ActivityWindowOptions): WindowSettings {
  const buckets = options.buckets ?? 10;
  const maxSystems = options.maxSystems ?? 1000;
  if (!(Number.isInteger(options.windowSeconds) && options.windowSeconds > 0))
    throw new RangeError('windowSeconds must be a positive integer');
  if (!(Number.isInteger(buckets) && buckets >= 1 && buckets <= 1000))
    throw new RangeError('buckets must be an integer in 1..1000');
  if (!(Number.isInteger(maxSystems) && maxSystems >= 1)) throw new RangeError('maxSystems must be a positive integer');
  return {
    windowSeconds: options.windowSeconds,
    buckets,
    bucketMs: (options.windowSeconds * 1000) / buckets,
    maxSystems,
  };
}

/** Locates `now` in the bucket grid of `settings`. */
export function windowPosition(settings: WindowSettings, now: number): WindowPosition {
  const current = Math.floor(now / settings.bucketMs);
  const oldest = current - settings.buckets;
  return {
    current,
    oldest,
    startMs: oldest * settings.bucketMs,
    retentionMs: Math.ceil((settings.buckets + 1) * settings.bucketMs),
  };
}

/** Counters of an agent, session or principal with no activity in the window. */
export function zeroCounters(windowSeconds: number): ActivityCounters {
  return {
    window_seconds: windowSeconds,
    actions: 0,
    denials: 0,
    faults: 0,
    restricted_reads: 0,
    distinct_systems: 0,
    bytes_out: 0,
  };
}

/** Rejects keys and intents that would corrupt counters (an empty id or system name). */
export function checkReservation(keys: ActivityKeys, intent: ActivityIntent): void {
  for (const id of [keys.agent, keys.session, keys.principal]) {
    if (id !== null && (typeof id !== 'string' || id.length === 0))
      throw new RangeError('agent, session and principal ids must be non-empty strings');
  }
  if (intent.system !== null && (typeof intent.system !== 'string' || intent.system.length === 0)) {
    throw new RangeError('system must be a non-empty string or null');
  }
}

/** Rejects outcomes that would corrupt counters (negative or fractional bytes). */
export function checkOutcome(outcome: ActivityOutcome): void {
  if (!(Number.isSafeInteger(outcome.bytesOut) && outcome.bytesOut >= 0))
    throw new RangeError('bytesOut must be a non-negative integer');
}
