/**
 * Activity windows in process memory. Each tracked agent, session or principal holds a ring of
 * B+1 buckets and a map of systems to last-seen times. The number tracked is capped: a Map in
 * reservation order evicts the least recently active first, and entries idle for longer than the
 * window are dropped as new reservations arrive, so memory stays bounded under any churn.
 *
 * `reserve` runs synchronously from snapshot to increment (no await in between), so on one
 * event loop it is atomic. A reservation keeps the very bucket objects it incremented: `settle`
 * corrects those, and a bucket since evicted or reused for a later interval is simply no longer
 * counted, so a late settle cannot touch a newer bucket.
 */
import {
  checkOutcome,
  checkReservation,
  windowPosition,
  windowSettings,
  zeroCounters,
  type ActivityCounters,
  type ActivityIntent,
  type ActivityKeys,
  type ActivityOutcome,
  type ActivityReservation,
  type ActivitySnapshot,
  type ActivityStore,
  type ActivityWindowOptions,
  type WindowPosition,
  type WindowSettings,
} from './activity.ts';
import { SessionStoreUnavailableError } from './errors.ts';

/** Settings of the in-memory activity store. */
export interface MemoryActivityStoreOptions extends ActivityWindowOptions {
  /** Agents, sessions and principals tracked before the least recently active is forgotten (default 100000). */
  readonly maxTracked?: number;
}

interface Bucket {
  index: number;
  actions: number;
  denials: number;
  faults: number;
  restricted_reads: number;
  bytes_out: number;
}

interface Tracked {
  readonly buckets: (Bucket | undefined)[];
  /** System -> last seen (epoch ms), in last-seen order so the oldest is first. */
  readonly systems: Map<string, number>;
  lastIndex: number;
}

/** A reservation of this store: the snapshot, and the buckets it was counted in. */
class MemoryReservation implements ActivityReservation {
  readonly activity: ActivitySnapshot;
  readonly buckets: readonly Bucket[];
  readonly restrictedRead: boolean;
  settled = false;

  constructor(activity: ActivitySnapshot, buckets: readonly Bucket[], restrictedRead: boolean) {
    this.activity = activity;
    this.buckets = buckets;
    this.restrictedRead = restrictedRead;
  }
}

const SCOPES = ['agent', 'session', 'principal'] as const;

/** Sliding-window counters in process memory, bounded in the number of agents, sessions and principals. */
export class MemoryActivityStore implements ActivityStore {
  readonly #settings: WindowSettings;
  readonly #maxTracked: number;
  readonly #tracked = new Map<string, Tracked>();
  #closed = false;

  constructor(options: MemoryActivityStoreOptions) {
    this.#settings = windowSettings(options);
    this.#maxTracked = options.maxTracked ?? 100_000;
    if (!(Number.isInteger(this.#maxTracked) && this.#maxTracked >= 1))
      throw new RangeError('maxTracked must be a positive integer');
  }

  /** @inheritdoc */
  reserve(keys: ActivityKeys, intent: ActivityIntent, now: number): Promise<ActivityReservation> {
    return this.#run(() => {
      checkReservation(keys, intent);
      const position = windowPosition(this.#settings, now);
      const activity: { -readonly [K in keyof ActivitySnapshot]: ActivitySnapshot[K] } = {
        agent: zeroCounters(this.#settings.windowSeconds),
      };
      const buckets: Bucket[] = [];
      for (const scope of SCOPES) {
        const id = keys[scope];
        if (id === null) continue;
        const key = `${scope}\u0000${id}`;
        activity[scope] = this.#count(this.#tracked.get(key), position);
        buckets.push(this.#add(key, intent, now, position));
      }
      this.#trim(position);
      return new MemoryReservation(activity, buckets, intent.restrictedRead);
    });
  }

  /** @inheritdoc */
  // async only so that a malformed outcome rejects; nothing in it awaits.
  // eslint-disable-next-line @typescript-eslint/require-await
  async settle(reservation: ActivityReservation, outcome: ActivityOutcome): Promise<void> {
    checkOutcome(outcome);
    if (!(reservation instanceof MemoryReservation) || reservation.settled) return;
    reservation.settled = true;
    const denied = outcome.decision === 'deny';
    for (const bucket of reservation.buckets) {
      if (denied && outcome.fault) bucket.faults += 1;
      else if (denied) bucket.denials += 1;
      // A denied action read nothing, so its restricted read is given back.
      if (denied && reservation.restrictedRead && bucket.restricted_reads > 0) bucket.restricted_reads -= 1;
      if (!denied) bucket.bytes_out += outcome.bytesOut;
    }
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    this.#tracked.clear();
    return Promise.resolve();
  }

  /** Agents plus sessions plus principals currently tracked. */
  get size(): number {
    return this.#tracked.size;
  }

  #add(key: string, intent: ActivityIntent, now: number, position: WindowPosition): Bucket {
    let tracked = this.#tracked.get(key);
    if (tracked === undefined) {
      tracked = { buckets: [], systems: new Map(), lastIndex: position.current };
    } else {
      this.#tracked.delete(key); // re-insert at the tail: most recently active
    }
    this.#tracked.set(key, tracked);
    tracked.lastIndex = position.current;

    const slot = position.current % (this.#settings.buckets + 1);
    let bucket = tracked.buckets[slot];
    if (bucket === undefined || bucket.index !== position.current) {
      bucket = { index: position.current, actions: 0, denials: 0, faults: 0, restricted_reads: 0, bytes_out: 0 };
      tracked.buckets[slot] = bucket;
    }
    bucket.actions += 1;
    if (intent.restrictedRead) bucket.restricted_reads += 1;

    if (intent.system !== null) {
      tracked.systems.delete(intent.system);
      tracked.systems.set(intent.system, now);
      // Saturate rather than grow: beyond maxSystems the oldest is forgotten, the count stays at the cap.
      if (tracked.systems.size > this.#settings.maxSystems)
        tracked.systems.delete(tracked.systems.keys().next().value as string);
    }
    return bucket;
  }

  #count(tracked: Tracked | undefined, position: WindowPosition): ActivityCounters {
    const counters: { -readonly [K in keyof ActivityCounters]: ActivityCounters[K] } = zeroCounters(
      this.#settings.windowSeconds,
    );
    if (tracked === undefined) return counters;
    for (const bucket of tracked.buckets) {
      if (bucket === undefined || bucket.index < position.oldest) continue;
      counters.actions += bucket.actions;
      counters.denials += bucket.denials;
      counters.faults += bucket.faults;
      counters.restricted_reads += bucket.restricted_reads;
      counters.bytes_out += bucket.bytes_out;
    }
    for (const seen of tracked.systems.values()) if (seen >= position.startMs) counters.distinct_systems++;
    return counters;
  }

  // Drops from the head (least recently active): anything over the cap, then anything whose
  // last reservation has left the window. Amortised O(1) per reservation.
  #trim(position: WindowPosition): void {
    for (const [key, tracked] of this.#tracked) {
      if (this.#tracked.size <= this.#maxTracked && tracked.lastIndex >= position.oldest) break;
      this.#tracked.delete(key);
    }
  }

  #run<T>(operation: () => T): Promise<T> {
    try {
      if (this.#closed) throw new SessionStoreUnavailableError('the activity store is closed');
      return Promise.resolve(operation());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
