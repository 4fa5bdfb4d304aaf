/**
 * Replicas' health for the status document and the console: each regent process publishes a
 * heartbeat (instance, revision, ready, when it started and last beat) and reads the others'.
 * With Redis configured (the store replicas already share), a heartbeat is one key per instance
 * (`<prefix>replica:<instance>`) that expires after three missed beats, so a replica that dies
 * drops out by itself; the list is read with SCAN, bounded. Without Redis there is nothing shared
 * to read, and the state says so: this instance only.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisConnection } from '../flow/redis-connection.ts';

/** One replica as its last heartbeat described it. */
export interface ReplicaBeat {
  instance: string;
  revision: string | null;
  ready: boolean;
  started_at: string;
  last_seen: string;
}

/** What the status document shows. */
export interface ReplicasState {
  /** `redis`: every replica sharing the Redis; `local`: this instance only (nothing shared to read). */
  backend: 'redis' | 'local';
  instance: string;
  replicas: ReplicaBeat[];
  /** The distinct active revisions among ready replicas; more than one is revision skew. */
  revisions: string[];
  skew: boolean;
  /** Why the list may be stale or partial (a Redis error), or null. */
  error: string | null;
}

/** Most replicas listed (a bound on the SCAN and the status document). */
const MAX_REPLICAS = 256;

/** Options of {@link ReplicaHeartbeat}. */
export interface ReplicaHeartbeatOptions {
  /** The shared Redis, when replicas share one; absent: this instance only. */
  connection?: RedisConnection | undefined;
  keyPrefix: string;
  /** What this instance serves right now. */
  snapshot: () => { revision: string | null; ready: boolean };
  intervalMs?: number;
  /** Defaults to `<hostname>:<pid>:<random>`: unique per regent, even two in one process. */
  instance?: string;
  now?: () => number;
}

/** Publishes this instance's heartbeat and keeps the latest view of every replica's. */
export class ReplicaHeartbeat {
  readonly #options: ReplicaHeartbeatOptions;
  readonly #instance: string;
  readonly #startedAt: string;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #state: ReplicasState;
  #beating: Promise<void> | undefined;

  constructor(options: ReplicaHeartbeatOptions) {
    this.#options = options;
    this.#instance = options.instance ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#intervalMs = options.intervalMs ?? 5000;
    this.#startedAt = new Date(this.#now()).toISOString();
    this.#state = this.#localState(null);
  }

  /** Beats now, then every interval (the timer does not hold the process open). */
  async start(): Promise<void> {
    // The shared Redis connects in the background: give it a moment, so the first view is whole.
    await this.#options.connection?.waitUntilReady(2000).catch(() => false);
    await this.beat();
    this.#timer = setInterval(() => void this.beat(), this.#intervalMs);
    this.#timer.unref();
  }

  /** The latest view: with Redis, every replica whose heartbeat has not expired. */
  state(): ReplicasState {
    const local = this.#options.connection === undefined;
    return local ? this.#localState(null) : this.#state;
  }

  /** Publishes one heartbeat and reads the others' (one at a time). */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  /** Stops beating and removes this instance's heartbeat, so it leaves the list at once. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    const connection = this.#options.connection;
    if (connection === undefined) return;
    await connection.run('DEL replica', (client) => client.del(this.#key(this.#instance))).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    const connection = this.#options.connection;
    if (connection === undefined) return;
    const mine = this.#mine();
    try {
      const beats = await connection.run('replica heartbeat', async (client) => {
        await client.set(this.#key(this.#instance), JSON.stringify(mine), { PX: this.#intervalMs * 3 });
        const keys: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${this.#options.keyPrefix}replica:*`, COUNT: 100 })) {
          keys.push(...batch);
          if (keys.length >= MAX_REPLICAS) break;
        }
        const values = keys.length === 0 ? [] : await client.mGet(keys.slice(0, MAX_REPLICAS));
        return values.flatMap((v) => (typeof v === 'string' ? parseBeat(v) : []));
      });
      this.#state = summarise('redis', this.#instance, beats, null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#state = summarise('redis', this.#instance, [mine], `the shared heartbeats cannot be read: ${message}`);
    }
  }

  #mine(): ReplicaBeat {
    const { revision, ready } = this.#options.snapshot();
    return {
      instance: this.#instance,
      revision,
      ready,
      started_at: this.#startedAt,
      last_seen: new Date(this.#now()).toISOString(),
    };
  }

  #localState(error: string | null): ReplicasState {
    return summarise('local', this.#instance, [this.#mine()], error);
  }

  #key(instance: string): string {
    return `${this.#options.keyPrefix}replica:${instance}`;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

function summarise(
  backend: ReplicasState['backend'],
  instance: string,
  beats: ReplicaBeat[],
  error: string | null,
): ReplicasState {
  const replicas = [...beats].sort((a, b) => a.instance.localeCompare(b.instance));
  const revisions = [
    ...new Set(replicas.filter((r) => r.ready && r.revision !== null).map((r) => r.revision as string)),
  ].sort();
  return { backend, instance, replicas, revisions, skew: revisions.length > 1, error };
}

function parseBeat(text: string): ReplicaBeat[] {
  try {
    const v = JSON.parse(text) as Partial<ReplicaBeat>;
    if (typeof v.instance !== 'string' || typeof v.ready !== 'boolean') return [];
    return [
      {
        instance: v.instance,
        revision: typeof v.revision === 'string' ? v.revision : null,
        ready: v.ready,
        started_at: typeof v.started_at === 'string' ? v.started_at : '',
        last_seen: typeof v.last_seen === 'string' ? v.last_seen : '',
      },
    ];
  } catch {
    return [];
  }
}
