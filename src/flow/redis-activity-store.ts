/**
 * Activity windows on Redis, shared by replicas. Per agent and per session, two keys:
 * - `<prefix>activity:<agent|session>-counts:<id>`, a hash with one field per bucket and counter
 *   (`<bucket>:a|d|r|b` for actions, denials, restricted reads, bytes out);
 * - `<prefix>activity:<agent|session>-systems:<id>`, a sorted set of systems scored by last seen.
 * Both expire one window (plus a bucket) after the last record, so idle agents and sessions
 * cost nothing; Redis memory is bounded by the active ones (set maxmemory with volatile-lru to
 * cap that too). Recording and reading are one Lua script each: one round trip, atomic.
 * The agent's and the session's keys go to one script, so this needs a standalone Redis (or
 * keys in one cluster slot), as does the session store.
 */
import {
  checkEvent,
  windowPosition,
  windowSettings,
  type ActivityCounters,
  type ActivityEvent,
  type ActivitySnapshot,
  type ActivityStore,
  type ActivityWindowOptions,
  type WindowSettings,
} from './activity.ts';
import { luaScript, openConnection, type RedisConnection, type RedisTarget } from './redis-connection.ts';

/** Settings of the Redis activity store. */
export type RedisActivityStoreOptions = ActivityWindowOptions &
  RedisTarget & {
    /** Prefix of every key (REGENT_REDIS_KEY_PREFIX, default `regent:`). */
    readonly keyPrefix?: string;
  };

// A bucket's first event also prunes buckets that left the window, so a hash holds at most
// about 4 * (B + 2) fields however sparse the activity.
const RECORD = luaScript(`
local bucket = ARGV[1]
local oldest = tonumber(ARGV[2])
for i = 1, #KEYS, 2 do
  local counts, systems = KEYS[i], KEYS[i + 1]
  if redis.call('HINCRBY', counts, bucket .. ':a', 1) == 1 then
    for _, f in ipairs(redis.call('HKEYS', counts)) do
      local idx = tonumber(string.match(f, '^(%-?%d+):'))
      if idx == nil or idx < oldest then redis.call('HDEL', counts, f) end
    end
  end
  if ARGV[3] == '1' then redis.call('HINCRBY', counts, bucket .. ':d', 1) end
  if ARGV[4] == '1' then redis.call('HINCRBY', counts, bucket .. ':r', 1) end
  if ARGV[5] ~= '0' then redis.call('HINCRBY', counts, bucket .. ':b', ARGV[5]) end
  redis.call('PEXPIRE', counts, ARGV[9])
  if ARGV[6] ~= '' then
    redis.call('ZADD', systems, ARGV[7], ARGV[6])
    redis.call('ZREMRANGEBYSCORE', systems, '-inf', '(' .. ARGV[8])
    local extra = redis.call('ZCARD', systems) - tonumber(ARGV[10])
    if extra > 0 then redis.call('ZREMRANGEBYRANK', systems, 0, extra - 1) end
    redis.call('PEXPIRE', systems, ARGV[9])
  end
end
return 1
`);

const READ = luaScript(`
local oldest = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS, 2 do
  local a, d, r, b = 0, 0, 0, 0
  local flat = redis.call('HGETALL', KEYS[i])
  for j = 1, #flat, 2 do
    local idx, kind = string.match(flat[j], '^(%-?%d+):(%a)$')
    idx = tonumber(idx)
    if idx and idx >= oldest then
      local n = tonumber(flat[j + 1])
      if kind == 'a' then a = a + n elseif kind == 'd' then d = d + n
      elseif kind == 'r' then r = r + n elseif kind == 'b' then b = b + n end
    end
  end
  out[#out + 1] = a
  out[#out + 1] = d
  out[#out + 1] = r
  out[#out + 1] = b
  out[#out + 1] = redis.call('ZCOUNT', KEYS[i + 1], ARGV[2], '+inf')
end
return out
`);

/** Sliding-window counters shared by replicas through Redis. */
export class RedisActivityStore implements ActivityStore {
  readonly #redis: RedisConnection;
  readonly #owned: boolean;
  readonly #settings: WindowSettings;
  readonly #prefix: string;

  constructor(options: RedisActivityStoreOptions) {
    this.#settings = windowSettings(options);
    this.#prefix = options.keyPrefix ?? 'regent:';
    ({ connection: this.#redis, owned: this.#owned } = openConnection(options));
  }

  /** @inheritdoc */
  async record(agentId: string, sessionId: string | null, event: ActivityEvent, now: number): Promise<void> {
    checkEvent(event);
    const position = windowPosition(this.#settings, now);
    const args = [
      String(position.current),
      String(position.oldest),
      event.decision === 'deny' ? '1' : '0',
      event.restricted_read ? '1' : '0',
      String(event.bytes_out),
      event.system ?? '',
      String(now),
      String(position.startMs),
      String(position.retentionMs),
      String(this.#settings.maxSystems),
    ];
    await this.#redis.run('activity record', (client) =>
      this.#redis.evalScript(client, RECORD, this.#keys(agentId, sessionId), args),
    );
  }

  /** @inheritdoc */
  read(agentId: string, sessionId: string | null, now: number): Promise<ActivitySnapshot> {
    const position = windowPosition(this.#settings, now);
    const keys = this.#keys(agentId, sessionId);
    return this.#redis.run('activity read', async (client) => {
      const reply = await this.#redis.evalScript(client, READ, keys, [
        String(position.oldest),
        String(position.startMs),
      ]);
      if (
        !Array.isArray(reply) ||
        reply.length !== (keys.length / 2) * 5 ||
        !reply.every((n) => typeof n === 'number')
      ) {
        throw new TypeError('unexpected activity reply');
      }
      const numbers = reply;
      const agent = this.#counters(numbers, 0);
      return sessionId === null ? { agent } : { agent, session: this.#counters(numbers, 5) };
    });
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.close();
  }

  #counters(reply: number[], at: number): ActivityCounters {
    const n = (i: number): number => reply[at + i] ?? 0;
    return {
      window_seconds: this.#settings.windowSeconds,
      actions: n(0),
      denials: n(1),
      restricted_reads: n(2),
      bytes_out: n(3),
      distinct_systems: n(4),
    };
  }

  #keys(agentId: string, sessionId: string | null): string[] {
    const keys = [
      `${this.#prefix}activity:agent-counts:${agentId}`,
      `${this.#prefix}activity:agent-systems:${agentId}`,
    ];
    if (sessionId !== null)
      keys.push(
        `${this.#prefix}activity:session-counts:${sessionId}`,
        `${this.#prefix}activity:session-systems:${sessionId}`,
      );
    return keys;
  }
}
