/**
 * Activity windows in process memory. Each tracked agent or session holds a ring of B+1
 * buckets and a map of systems to last-seen times. The number tracked is capped: a Map in
 * record order evicts the least recently active first, and entries idle for longer than the
 * window are dropped as new records arrive, so memory stays bounded under any agent/session churn.
 */
import {
  checkEvent,
  windowPosition,
  windowSettings,
  zeroCounters,
  type ActivityCounters,
  type ActivityEvent,
  type ActivitySnapshot,
  type ActivityStore,
  type ActivityWindowOptions,
  type WindowPosition,
  type WindowSettings,
} from './activity.ts';
import { SessionStoreUnavailableError } from './errors.ts';

/** Settings of the in-memory activity store. */
export interface MemoryActivityStoreOptions extends ActivityWindowOptions {
  /** Agents plus sessions tracked before the least recently active is forgotten (default 100000). */
  readonly maxTracked?: number;
}

interface Bucket {
  index: number;
  actions: number;
  denials: number;
  restricted_reads: number;
  bytes_out: number;
}

interface Tracked {
  readonly buckets: (Bucket | undefined)[];
  /** System -> last seen (epoch ms), in last-seen order so the oldest is first. */
  readonly systems: Map<string, number>;
  lastIndex: number;
}

/** Sliding-window counters in process memory, bounded in the number of agents and sessions. */
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
  record(agentId: string, sessionId: string | null, event: ActivityEvent, now: number): Promise<void> {
    return this.#run(() => {
      checkEvent(event);
      const position = windowPosition(this.#settings, now);
      this.#add(`agent\u0000${agentId}`, event, now, position);
      if (sessionId !== null) this.#add(`session\u0000${sessionId}`, event, now, position);
      this.#trim(position);
    });
  }

  /** @inheritdoc */
  read(agentId: string, sessionId: string | null, now: number): Promise<ActivitySnapshot> {
    return this.#run(() => {
      const position = windowPosition(this.#settings, now);
      const agent = this.#count(this.#tracked.get(`agent\u0000${agentId}`), position);
      if (sessionId === null) return { agent };
      return { agent, session: this.#count(this.#tracked.get(`session\u0000${sessionId}`), position) };
    });
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closed = true;
    this.#tracked.clear();
    return Promise.resolve();
  }

  /** Agents plus sessions currently tracked. */
  get size(): number {
    return this.#tracked.size;
  }

  #add(key: string, event: ActivityEvent, now: number, position: WindowPosition): void {
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
      bucket = { index: position.current, actions: 0, denials: 0, restricted_reads: 0, bytes_out: 0 };
      tracked.buckets[slot] = bucket;
    }
    bucket.actions += 1;
    if (event.decision === 'deny') bucket.denials += 1;
    if (event.restricted_read) bucket.restricted_reads += 1;
    bucket.bytes_out += event.bytes_out;

    if (event.system !== null) {
      tracked.systems.delete(event.system);
      tracked.systems.set(event.system, now);
      // Saturate rather than grow: beyond maxSystems the oldest is forgotten, the count stays at the cap.
      if (tracked.systems.size > this.#settings.maxSystems)
        tracked.systems.delete(tracked.systems.keys().next().value as string);
    }
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
      counters.restricted_reads += bucket.restricted_reads;
      counters.bytes_out += bucket.bytes_out;
    }
    for (const seen of tracked.systems.values()) if (seen >= position.startMs) counters.distinct_systems++;
    return counters;
  }

  // Drops from the head (least recently active): anything over the cap, then anything whose
  // last record has left the window. Amortised O(1) per record.
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
