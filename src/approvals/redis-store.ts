/**
 * Approval requests in Redis, for replicas that share them (REGENT_APPROVAL_STORE=redis, on
 * REGENT_REDIS_URL). Each request is one JSON string (`<prefix>approval:<id>`), the latest per
 * digest a pointer (`<prefix>approval-latest:<digest>`), and three sorted sets index creation
 * time, open requests by expiry and pending ones. Creation and every change are Lua scripts that
 * compare first (the digest's latest request, the stored version) and write only if unchanged,
 * so of two replicas consuming one approval exactly one wins. Keys expire on their own after the
 * request's expiry plus the retention.
 */
import type { Approval } from './approval.ts';
import { ApprovalStoreUnavailableError } from './errors.ts';
import {
  afterCursor,
  decodeCursor,
  encodeCursor,
  matches,
  type ApprovalPage,
  type ApprovalQuery,
  type ApprovalStore,
} from './store.ts';
import { luaScript, RedisConnection } from '../flow/redis-connection.ts';

const CREATE = luaScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then cur = '' end
if cur ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[6])
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[3])
return 1
`);

const UPDATE = luaScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then return 0 end
if tonumber(cjson.decode(cur)['version']) ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[6])
if redis.call('GET', KEYS[4]) == ARGV[3] then redis.call('EXPIRE', KEYS[4], ARGV[6]) end
if ARGV[4] == 'pending' or ARGV[4] == 'approved' then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
else
  redis.call('ZREM', KEYS[2], ARGV[3])
end
if ARGV[4] == 'pending' then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3]) else redis.call('ZREM', KEYS[3], ARGV[3]) end
return 1
`);

/** An approval store in Redis. */
export class RedisApprovalStore implements ApprovalStore {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #retentionSeconds: number;

  constructor(options: { url: string; keyPrefix: string; retentionSeconds: number; connection?: RedisConnection }) {
    this.#redis = options.connection ?? new RedisConnection({ url: options.url });
    this.#prefix = options.keyPrefix;
    this.#retentionSeconds = options.retentionSeconds;
  }

  /** Waits until Redis answers (start-up), up to `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    return this.#redis.waitUntilReady(timeoutMs);
  }

  async latest(digest: string): Promise<Approval | null> {
    const id = await this.#run('GET latest', (c) => c.get(this.#latestKey(digest)));
    return id === null ? null : this.get(id);
  }

  async create(approval: Approval, expectedLatest: string | null): Promise<boolean> {
    const reply = await this.#run('create', (c) =>
      this.#redis.evalScript(
        c,
        CREATE,
        [
          this.#latestKey(approval.digest),
          this.#key(approval.id),
          this.#set('created'),
          this.#set('open'),
          this.#set('pending'),
        ],
        [
          expectedLatest ?? '',
          JSON.stringify(approval),
          approval.id,
          String(Date.parse(approval.created_at)),
          String(Date.parse(approval.expires_at)),
          String(this.#ttl(approval)),
        ],
      ),
    );
    return reply === 1;
  }

  async get(id: string): Promise<Approval | null> {
    const text = await this.#run('GET', (c) => c.get(this.#key(id)));
    return text === null ? null : (JSON.parse(text) as Approval);
  }

  async update(next: Approval): Promise<boolean> {
    const reply = await this.#run('update', (c) =>
      this.#redis.evalScript(
        c,
        UPDATE,
        [this.#key(next.id), this.#set('open'), this.#set('pending'), this.#latestKey(next.digest)],
        [
          String(next.version - 1),
          JSON.stringify(next),
          next.id,
          next.state,
          String(Date.parse(next.expires_at)),
          String(this.#ttl(next)),
        ],
      ),
    );
    return reply === 1;
  }

  async list(query: ApprovalQuery): Promise<ApprovalPage> {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const out: Approval[] = [];
    let max = cursor === null ? '+inf' : String(Date.parse(cursor.created_at));
    // Newest first, in chunks, filtering as we go; one more than the page says whether there is more.
    for (;;) {
      const ids = await this.#run('ZRANGE created', (c) =>
        c.zRange(this.#set('created'), max, '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: 200 } }),
      );
      if (ids.length === 0) break;
      const docs = await this.#docs(ids);
      for (const a of docs) {
        if (cursor !== null && !afterCursor(a, cursor)) continue;
        if (matches(a, query)) out.push(a);
        if (out.length > query.limit) break;
      }
      if (out.length > query.limit || ids.length < 200) break;
      const oldest = docs.at(-1);
      if (oldest === undefined) break;
      // Continue below the oldest score seen; equal scores are filtered by the cursor rule.
      const next = String(Date.parse(oldest.created_at) - 1);
      if (next === max) break;
      max = next;
    }
    const approvals = out.slice(0, query.limit);
    const last = approvals.at(-1);
    return { approvals, next_cursor: out.length > query.limit && last !== undefined ? encodeCursor(last) : null };
  }

  async lapsed(nowMs: number, limit: number): Promise<Approval[]> {
    const ids = await this.#run('ZRANGE open', (c) =>
      c.zRange(this.#set('open'), '-inf', String(nowMs), { BY: 'SCORE', LIMIT: { offset: 0, count: limit } }),
    );
    return this.#docs(ids);
  }

  countPending(): Promise<number> {
    return this.#run('ZCARD pending', (c) => c.zCard(this.#set('pending')));
  }

  async purge(beforeMs: number): Promise<number> {
    // Documents expire by TTL; drop index entries whose document is gone.
    const ids = await this.#run('ZRANGE created', (c) =>
      c.zRange(this.#set('created'), '-inf', String(beforeMs), { BY: 'SCORE', LIMIT: { offset: 0, count: 1000 } }),
    );
    if (ids.length === 0) return 0;
    const texts = await this.#run('MGET', (c) => c.mGet(ids.map((id) => this.#key(id))));
    const gone = ids.filter((_, i) => texts[i] === null);
    if (gone.length === 0) return 0;
    await this.#run('ZREM', async (c) => {
      await c.zRem(this.#set('created'), gone);
      await c.zRem(this.#set('open'), gone);
      await c.zRem(this.#set('pending'), gone);
    });
    return gone.length;
  }

  close(): Promise<void> {
    return this.#redis.close();
  }

  async #docs(ids: string[]): Promise<Approval[]> {
    if (ids.length === 0) return [];
    const texts = await this.#run('MGET', (c) => c.mGet(ids.map((id) => this.#key(id))));
    return texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as Approval);
  }

  #ttl(a: Approval): number {
    return Math.max(1, Math.ceil((Date.parse(a.expires_at) - Date.now()) / 1000) + this.#retentionSeconds);
  }

  #key(id: string): string {
    return `${this.#prefix}approval:${id}`;
  }

  #latestKey(digest: string): string {
    return `${this.#prefix}approval-latest:${digest}`;
  }

  #set(name: string): string {
    return `${this.#prefix}approvals:${name}`;
  }

  async #run<T>(
    what: string,
    op: Parameters<RedisConnection['run']>[1] extends (c: infer C) => Promise<unknown> ? (c: C) => Promise<T> : never,
  ): Promise<T> {
    try {
      return await this.#redis.run(what, op);
    } catch (err) {
      throw new ApprovalStoreUnavailableError(`the Redis approval store did not answer (${what})`, err);
    }
  }
}
