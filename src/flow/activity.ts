/**
 * Activity windows: per agent and per session, what happened over the last few minutes
 * (`input.activity` in docs/policy-contract.md), so a policy can stop an agent that suddenly
 * reads many restricted records, touches many systems, or pushes out many bytes.
 *
 * Counters are bucketed: the window of W seconds is cut into B buckets of W/B seconds, and a read
 * sums the current bucket and the B before it. That covers at least the last W seconds and at
 * most W + W/B: an event is never forgotten early, and may be remembered up to one bucket late.
 * For a rate limit, over-counting by a bucket is the safe direction. distinct_systems uses the
 * same window start, but from exact per-system last-seen times.
 *
 * Unlike session state, these counters are not compare-and-set: two concurrent decisions read
 * the same counts before either records. They are a rate signal, not a wall; a burst can exceed
 * a threshold by the number of requests in flight.
 */

/** One decided action, as the windows count it. */
export interface ActivityEvent {
  readonly decision: 'allow' | 'deny' | 'redact';
  /** Whether the action read restricted data. */
  readonly restricted_read: boolean;
  /** The system the action touched, if any. */
  readonly system: string | null;
  /** Bytes the action sends out of the organisation's systems (0 for reads). */
  readonly bytes_out: number;
}

/** Counters over the window, in the contract's shape. */
export interface ActivityCounters {
  readonly window_seconds: number;
  readonly actions: number;
  readonly denials: number;
  readonly restricted_reads: number;
  readonly distinct_systems: number;
  readonly bytes_out: number;
}

/** `input.activity`: the agent's counters, and the session's when the request names one. */
export interface ActivitySnapshot {
  readonly agent: ActivityCounters;
  readonly session?: ActivityCounters;
}

/** Sliding-window activity counters; implemented in memory and on Redis. */
export interface ActivityStore {
  /** Counts one decided action at epoch-millisecond `now` for the agent and, if given, the session. */
  record(agentId: string, sessionId: string | null, event: ActivityEvent, now: number): Promise<void>;
  /** The counters as of `now`, before the action being decided. */
  read(agentId: string, sessionId: string | null, now: number): Promise<ActivitySnapshot>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}

/** Window length and bucket count shared by both backends. */
export interface ActivityWindowOptions {
  /** REGENT_ACTIVITY_WINDOW_SECONDS (default 300). */
  readonly windowSeconds: number;
  /** Buckets per window (default 10): more is closer to exact, and costs more memory. */
  readonly buckets?: number;
  /** Distinct systems remembered per agent or session; beyond it the count saturates (default 1000). */
  readonly maxSystems?: number;
}

/** Where `now` falls in the bucket grid. */
export interface WindowPosition {
  /** Index of the bucket holding `now`. */
  readonly current: number;
  /** Oldest bucket index a read still counts (`current - buckets`). */
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

/** Counters of an agent or session with no activity in the window. */
export function zeroCounters(windowSeconds: number): ActivityCounters {
  return {
    window_seconds: windowSeconds,
    actions: 0,
    denials: 0,
    restricted_reads: 0,
    distinct_systems: 0,
    bytes_out: 0,
  };
}

/** Rejects events that would corrupt counters (negative or fractional bytes, an empty system name). */
export function checkEvent(event: ActivityEvent): void {
  if (!(Number.isSafeInteger(event.bytes_out) && event.bytes_out >= 0))
    throw new RangeError('bytes_out must be a non-negative integer');
  if (event.system !== null && (typeof event.system !== 'string' || event.system.length === 0)) {
    throw new RangeError('system must be a non-empty string or null');
  }
}
