/**
 * Resource taint: what was written or sent to a resource (a doc, a file, a ticket, a channel)
 * keeps the labels and classification that went into it, so a later read of that resource, in
 * any session, carries them again. Without it, restricted data written to a doc in one session
 * and read back in a fresh one would arrive clean (laundering through a resource).
 *
 * Labels only accumulate (a write never cleans a resource; that would let an agent declare a
 * resource clean by writing to it). Each resource is kept for `ttlSeconds` after its last write
 * (REGENT_RESOURCE_TAINT_TTL_SECONDS, default 30 days); the memory store holds at most
 * `maxResources` and forgets the least recently written beyond that. Redis shares the store
 * between replicas: one hash per resource (`<prefix>taint:<system>:<id>`) whose fields are
 * `l:<label>` and `c:<classification>`, so concurrent writers merge with HSET alone.
 */
import type { ResourceTaint } from '../catalogue/resolve.ts';
import type { RedisConnection } from './redis-connection.ts';

/** Where a decision reads and records resource taint. */
export interface ResourceTaintStore {
  /** What the resource has received so far, or undefined when nothing is known. */
  get(system: string, id: string): Promise<ResourceTaint | undefined>;
  /** Adds labels and a classification to the resource, and restarts its time to live. */
  add(system: string, id: string, taint: ResourceTaint): Promise<void>;
  close(): Promise<void>;
}

/** Settings shared by both stores. */
export interface ResourceTaintOptions {
  /** Classification name -> rank, to keep the highest classification in memory. */
  readonly ranks: Readonly<Record<string, number>>;
  readonly ttlSeconds: number;
  /** Memory store only: most resources remembered (default 100,000). */
  readonly maxResources?: number;
  readonly now?: () => number;
}

function key(system: string, id: string): string {
  return `${system.length}:${system}:${id}`;
}

function higher(ranks: Readonly<Record<string, number>>, a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const r = (n: string) => (Object.hasOwn(ranks, n) ? (ranks[n] as number) : Infinity);
  return r(b) > r(a) ? b : a;
}

/** In-process resource taint, bounded and expiring. */
export class MemoryResourceTaintStore implements ResourceTaintStore {
  private readonly entries = new Map<string, { labels: Set<string>; classification: string | null; expires: number }>();
  private readonly options: ResourceTaintOptions;

  constructor(options: ResourceTaintOptions) {
    this.options = options;
  }

  get(system: string, id: string): Promise<ResourceTaint | undefined> {
    const k = key(system, id);
    const entry = this.entries.get(k);
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expires <= this.now()) {
      this.entries.delete(k);
      return Promise.resolve(undefined);
    }
    return Promise.resolve({ labels: [...entry.labels].sort(), classification: entry.classification });
  }

  add(system: string, id: string, taint: ResourceTaint): Promise<void> {
    const k = key(system, id);
    const entry = this.entries.get(k);
    const expires = this.now() + this.options.ttlSeconds * 1000;
    const live = entry !== undefined && entry.expires > this.now() ? entry : undefined;
    const labels = new Set([...(live?.labels ?? []), ...taint.labels]);
    const classification = higher(this.options.ranks, live?.classification ?? null, taint.classification);
    // Re-insert so the Map's order is least recently written first.
    this.entries.delete(k);
    this.entries.set(k, { labels, classification, expires });
    const max = this.options.maxResources ?? 100_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** Resource taint on Redis, shared by every replica. */
export class RedisResourceTaintStore implements ResourceTaintStore {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly options: ResourceTaintOptions;

  constructor(options: ResourceTaintOptions & { connection: RedisConnection; keyPrefix: string }) {
    this.connection = options.connection;
    this.prefix = options.keyPrefix;
    this.options = options;
  }

  async get(system: string, id: string): Promise<ResourceTaint | undefined> {
    const fields = await this.connection.run('HKEYS taint', (client) => client.hKeys(this.redisKey(system, id)));
    if (fields.length === 0) return undefined;
    let classification: string | null = null;
    const labels: string[] = [];
    for (const f of fields) {
      if (f.startsWith('l:')) labels.push(f.slice(2));
      else if (f.startsWith('c:')) classification = higher(this.options.ranks, classification, f.slice(2));
    }
    return { labels: labels.sort(), classification };
  }

  async add(system: string, id: string, taint: ResourceTaint): Promise<void> {
    const fields: Record<string, string> = {};
    for (const l of taint.labels) fields[`l:${l}`] = '1';
    if (taint.classification !== null) fields[`c:${taint.classification}`] = '1';
    const k = this.redisKey(system, id);
    await this.connection.run('HSET taint', async (client) => {
      const multi = client.multi();
      if (Object.keys(fields).length > 0) multi.hSet(k, fields);
      else multi.hSet(k, 'touched', '1');
      multi.expire(k, this.options.ttlSeconds);
      await multi.exec();
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private redisKey(system: string, id: string): string {
    return `${this.prefix}taint:${key(system, id)}`;
  }
}
