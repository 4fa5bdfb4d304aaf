/**
 * Activity windows on Redis, shared by replicas. Per agent, per session and per principal, two keys:
 * - `<prefix>activity:<agent|session|principal>-counts:<id>`, a hash with one field per bucket and
 *   counter (`<bucket>:a|d|f|r|b` for actions, denials, faults, restricted reads, bytes out);
 * - `<prefix>activity:<agent|session|principal>-systems:<id>`, a sorted set of systems scored by
 *   last seen.
 * Both expire one window (plus a bucket) after the last reservation, so idle ones cost nothing;
 * Redis memory is bounded by the active ones (set maxmemory with volatile-lru to cap that too).
 *
 * Reserving is one Lua script: it sums the window and increments the current bucket in one atomic
 * step, so two regent processes on one Redis share counters exactly (see activity.ts). It also
 * writes `<prefix>activity:hold:<uuid>`, which settling deletes in its own script before it touches
 * a counter: a reservation settles at most once, even if a settle is retried after a timeout. The
 * hold expires with the bucket it names. All keys of one reservation go to one script, so this
 * needs a standalone Redis (or keys in one cluster slot), as does the session store.
 */
import { randomUUID } from 'node:crypto';
import {
  checkOutcome,
  checkReservation,
  windowPosition,
  windowSettings,
  type ActivityCounters,
  type ActivityIntent,
  type ActivityKeys,
  type ActivityOutcome,
  type ActivityReservation,
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

// KEYS: hold, then counts and systems per counter set. ARGV: bucket, oldest bucket, window start
// (ms), now (ms), retention (ms), max systems, restricted read (1|0), system ('' for none).
// Returns, per counter set, the sums before this action: actions, denials, faults, restricted
// reads, bytes out, distinct systems. A bucket's first action also prunes buckets that left the
// window, so a hash holds at most about 5 * (B + 2) fields however sparse the activity.
const RESERVE = luaScript(`
local bucket, oldest = ARGV[1], tonumber(ARGV[2])
local out = {}
for i = 2, #KEYS, 2 do
  local counts, systems = KEYS[i], KEYS[i + 1]
  local a, d, f, r, b = 0, 0, 0, 0, 0
  local flat = redis.call('HGETALL', counts)
  for j = 1, #flat, 2 do
    local idx, kind = string.match(flat[j], '^(%-?%d+):(%a)$')
    idx = tonumber(idx)
    if idx and idx >= oldest then
      local n = tonumber(flat[j + 1])
      if kind == 'a' then a = a + n elseif kind == 'd' then d = d + n elseif kind == 'f' then f = f + n
      elseif kind == 'r' then r = r + n elseif kind == 'b' then b = b + n end
    end
  end
  local s = redis.call('ZCOUNT', systems, ARGV[3], '+inf')
  for _, n in ipairs({a, d, f, r, b, s}) do out[#out + 1] = n end

  if redis.call('HINCRBY', counts, bucket .. ':a', 1) == 1 then
    for j = 1, #flat, 2 do
      local idx = tonumber(string.match(flat[j], '^(%-?%d+):'))
      if idx == nil or idx < oldest then redis.call('HDEL', counts, flat[j]) end
    end
  end
  if ARGV[7] == '1' then redis.call('HINCRBY', counts, bucket .. ':r', 1) end
  redis.call('PEXPIRE', counts, ARGV[5])
  if ARGV[8] ~= '' then
    redis.call('ZADD', systems, ARGV[4], ARGV[8])
    redis.call('ZREMRANGEBYSCORE', systems, '-inf', '(' .. ARGV[3])
    local extra = redis.call('ZCARD', systems) - tonumber(ARGV[6])
    if extra > 0 then redis.call('ZREMRANGEBYRANK', systems, 0, extra - 1) end
    redis.call('PEXPIRE', systems, ARGV[5])
  end
end
redis.call('SET', KEYS[1], bucket, 'PX', ARGV[5])
return out
`);

// KEYS: hold, then the counts hashes. ARGV: bucket, denial (1|0), fault (1|0), give back the
// restricted read (1|0), bytes out. Nothing happens unless the hold is still there; a hash whose
// bucket has been pruned or expired is left alone, so a late settle creates no stray fields.
const SETTLE = luaScript(`
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
local bucket = ARGV[1]
for i = 2, #KEYS do
  local counts = KEYS[i]
  if redis.call('HEXISTS', counts, bucket .. ':a') == 1 then
    if ARGV[2] == '1' then redis.call('HINCRBY', counts, bucket .. ':d', 1) end
    if ARGV[3] == '1' then redis.call('HINCRBY', counts, bucket .. ':f', 1) end
    if ARGV[4] == '1' and tonumber(redis.call('HGET', counts, bucket .. ':r') or '0') > 0 then
      redis.call('HINCRBY', counts, bucket .. ':r', -1)
    end
    if ARGV[5] ~= '0' then redis.call('HINCRBY', counts, bucket .. ':b', ARGV[5]) end
  end
end
return 1
`);

const SCOPES = ['agent', 'session', 'principal'] as const;
const PER_SET = 6;

/** A reservation of this store: the snapshot, and what settling needs to find its bucket again. */
class RedisReservation implements ActivityReservation {
  readonly activity: ActivitySnapshot;
  readonly hold: string;
  readonly counts: readonly string[];
  readonly bucket: number;
  readonly restrictedRead: boolean;
  settled = false;

  constructor(activity: ActivitySnapshot, hold: string, counts: string[], bucket: number, restrictedRead: boolean) {
    this.activity = activity;
    this.hold = hold;
    this.counts = counts;
    this.bucket = bucket;
    this.restrictedRead = restrictedRead;
  }
}

/** Sliding-window counters shared by replicas through Redis, reserved atomically. */
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
  async reserve(keys: ActivityKeys, intent: ActivityIntent, now: number): Promise<ActivityReservation> {
    checkReservation(keys, intent);
    const position = windowPosition(this.#settings, now);
    const scopes = SCOPES.filter((scope) => keys[scope] !== null);
    const hold = `${this.#prefix}activity:hold:${randomUUID()}`;
    const scriptKeys = [hold];
    for (const scope of scopes) scriptKeys.push(this.#key(scope, 'counts', keys), this.#key(scope, 'systems', keys));
    const args = [
      String(position.current),
      String(position.oldest),
      String(position.startMs),
      String(now),
      String(position.retentionMs),
      String(this.#settings.maxSystems),
      intent.restrictedRead ? '1' : '0',
      intent.system ?? '',
    ];
    const reply = await this.#redis.run('activity reserve', (client) =>
      this.#redis.evalScript(client, RESERVE, scriptKeys, args),
    );
    if (
      !Array.isArray(reply) ||
      reply.length !== scopes.length * PER_SET ||
      !reply.every((n) => typeof n === 'number')
    ) {
      throw new TypeError('unexpected activity reply');
    }
    const activity: { -readonly [K in keyof ActivitySnapshot]: ActivitySnapshot[K] } = {
      agent: this.#counters(reply, 0),
    };
    for (const [i, scope] of scopes.entries()) activity[scope] = this.#counters(reply, i * PER_SET);
    const counts = scopes.map((scope) => this.#key(scope, 'counts', keys));
    return new RedisReservation(activity, hold, counts, position.current, intent.restrictedRead);
  }

  /** @inheritdoc */
  async settle(reservation: ActivityReservation, outcome: ActivityOutcome): Promise<void> {
    checkOutcome(outcome);
    if (!(reservation instanceof RedisReservation) || reservation.settled) return;
    const denied = outcome.decision === 'deny';
    const args = [
      String(reservation.bucket),
      denied && !outcome.fault ? '1' : '0',
      denied && outcome.fault ? '1' : '0',
      denied && reservation.restrictedRead ? '1' : '0',
      denied ? '0' : String(outcome.bytesOut),
    ];
    await this.#redis.run('activity settle', (client) =>
      this.#redis.evalScript(client, SETTLE, [reservation.hold, ...reservation.counts], args),
    );
    // Only once Redis has answered: a settle that failed may be retried, and the hold keeps a
    // retry from counting twice if the failed one did reach Redis.
    reservation.settled = true;
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
      faults: n(2),
      restricted_reads: n(3),
      bytes_out: n(4),
      distinct_systems: n(5),
    };
  }

  #key(scope: (typeof SCOPES)[number], kind: 'counts' | 'systems', keys: ActivityKeys): string {
    return `${this.#prefix}activity:${scope}-${kind}:${keys[scope] ?? ''}`;
  }
}
