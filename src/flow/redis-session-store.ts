/**
 * Session store on Redis, for several regent replicas behind one load balancer: every replica
 * must see every other's commits at once, or an agent could read competitor A through one replica
 * and competitor B through another.
 *
 * One key per session (`<prefix>session:<id>`) holding the state as JSON. The compare-and-apply
 * runs in one Lua script, so the version check, the merge and the write are a single atomic step
 * on the server, and PX on the same SET refreshes the idle TTL. The script mirrors
 * `advanceState` in session-state.ts; the tests hold the two against each other.
 */
import { luaScript, openConnection, type RedisConnection, type RedisTarget } from './redis-connection.ts';
import {
  MAX_VALUE_HASHES,
  normalizeEffects,
  parseState,
  emptyState,
  type ClassificationRanks,
  type SessionEffects,
  type SessionState,
} from './session-state.ts';
import type { CommitResult, SessionStore, StoreHealth } from './session-store.ts';

/** Settings of the Redis store. */
export type RedisSessionStoreOptions = RedisTarget & {
  readonly ranks: ClassificationRanks;
  /** Idle time after the last commit before Redis drops the session (REGENT_SESSION_TTL_SECONDS). */
  readonly idleTtlSeconds: number;
  /** Prefix of every key (REGENT_REDIS_KEY_PREFIX, default `regent:`), so deployments can share a Redis. */
  readonly keyPrefix?: string;
  /** Clock in epoch milliseconds for first_seen/last_seen; versions come from the Redis clock. */
  readonly now?: () => number;
};

// A version is never reused for an id: a new incarnation (after expiry or delete) starts at the
// Redis server's clock in microseconds, beyond anything an earlier incarnation can have reached
// (that would take more than one commit per microsecond). So a decision made on an expired
// session cannot commit onto a new session that happens to have the same small counter.
// Arrays are written by hand: cjson encodes an empty table as {} and numbers with 14 digits.
const COMMIT = luaScript(`
local raw = redis.call('GET', KEYS[1])
local state = nil
local version = 0
if raw then
  state = cjson.decode(raw)
  version = tonumber(state.version)
end
if version ~= tonumber(ARGV[1]) then
  return {0}
end
local effects = cjson.decode(ARGV[2])
local ranks = cjson.decode(ARGV[3])

local function union(base, extra)
  local set = {}
  if base then for _, v in ipairs(base) do set[v] = true end end
  for _, v in ipairs(extra) do set[v] = true end
  return set
end
local function encode(set)
  local items = {}
  for v in pairs(set) do items[#items + 1] = cjson.encode(v) end
  return '[' .. table.concat(items, ',') .. ']'
end
local function rank(name)
  local r = ranks[name]
  if type(r) == 'number' then return r end
  return math.huge
end

local labels = union(state and state.labels, effects.add_labels)
for _, v in ipairs(effects.declassify) do labels[v] = nil end
local systems = union(state and state.systems, effects.add_systems)

local classification = nil
if state and type(state.classification) == 'string' then classification = state.classification end
local incoming = effects.classification
if type(incoming) == 'string' and (classification == nil or rank(incoming) > rank(classification)) then
  classification = incoming
end

local next_version, steps, first_seen
if state then
  next_version = version + 1
  steps = tonumber(state.steps) + 1
  first_seen = state.first_seen
else
  local t = redis.call('TIME')
  next_version = tonumber(t[1]) * 1000000 + tonumber(t[2])
  steps = 1
  first_seen = ARGV[4]
end

-- Integrity taint (session-state.ts): sources are a union; value hashes a union of which the
-- smallest MAX are kept, an untrusted overflow sticking. Hashes are ASCII hex, so Lua's byte
-- order is JavaScript's sort order.
local untrusted_sources = union(state and state.untrusted_sources, effects.add_untrusted_sources)
local max_values = tonumber(ARGV[7])
local function bounded(base, extra)
  local items = {}
  for v in pairs(union(base, extra)) do items[#items + 1] = v end
  table.sort(items)
  local kept = {}
  for i = 1, math.min(#items, max_values) do kept[items[i]] = true end
  return kept, #items > max_values
end
local untrusted_values, overflowed = bounded(state and state.untrusted_values, effects.add_untrusted_values)
local trusted_values = bounded(state and state.trusted_values, effects.add_trusted_values)
local overflow = overflowed or (state ~= nil and state.untrusted_values_overflow == true)

local class_json = 'null'
if classification then class_json = cjson.encode(classification) end
local json = '{"id":' .. cjson.encode(ARGV[6])
  .. ',"labels":' .. encode(labels)
  .. ',"systems":' .. encode(systems)
  .. ',"classification":' .. class_json
  .. ',"steps":' .. string.format('%.0f', steps)
  .. ',"first_seen":' .. cjson.encode(first_seen)
  .. ',"last_seen":' .. cjson.encode(ARGV[4])
  .. ',"version":' .. string.format('%.0f', next_version)
  .. ',"untrusted_sources":' .. encode(untrusted_sources)
  .. ',"untrusted_values":' .. encode(untrusted_values)
  .. ',"trusted_values":' .. encode(trusted_values)
  .. ',"untrusted_values_overflow":' .. tostring(overflow) .. '}'
redis.call('SET', KEYS[1], json, 'PX', ARGV[5])
return {1, json}
`);

/** Session store shared by replicas through Redis. */
export class RedisSessionStore implements SessionStore {
  readonly #redis: RedisConnection;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #ranksJson: string;
  readonly #ttlMs: string;
  readonly #now: () => number;

  constructor(options: RedisSessionStoreOptions) {
    if (!(options.idleTtlSeconds > 0)) throw new RangeError('idleTtlSeconds must be positive');
    for (const [name, rank] of Object.entries(options.ranks)) {
      if (!Number.isFinite(rank)) throw new RangeError(`classification rank of ${name} must be a finite number`);
    }
    ({ connection: this.#redis, owned: this.#owned } = openConnection(options));
    this.#prefix = options.keyPrefix ?? 'regent:';
    this.#ranksJson = JSON.stringify(options.ranks);
    this.#ttlMs = String(Math.round(options.idleTtlSeconds * 1000));
    this.#now = options.now ?? Date.now;
  }

  /** The underlying connection, e.g. to wait for it at start-up. */
  get connection(): RedisConnection {
    return this.#redis;
  }

  /** @inheritdoc */
  async load(id: string): Promise<SessionState> {
    return (await this.#read(id)) ?? emptyState(id, new Date(this.#now()).toISOString());
  }

  /** @inheritdoc */
  async commit(id: string, expectedVersion: number, effects: SessionEffects): Promise<CommitResult> {
    const normalized = normalizeEffects(effects); // throws before anything is sent
    const args = [
      String(expectedVersion),
      JSON.stringify(normalized),
      this.#ranksJson,
      new Date(this.#now()).toISOString(),
      this.#ttlMs,
      id,
      String(MAX_VALUE_HASHES),
    ];
    return this.#redis.run('session commit', async (client) => {
      const reply = await this.#redis.evalScript(client, COMMIT, [this.#key(id)], args);
      if (!Array.isArray(reply) || (reply[0] !== 1 && reply[0] !== 0)) throw new TypeError('unexpected commit reply');
      if (reply[0] === 0) return { ok: false };
      return { ok: true, state: parseState(String(reply[1])) };
    });
  }

  /** @inheritdoc */
  get(id: string): Promise<SessionState | null> {
    return this.#read(id);
  }

  /** @inheritdoc */
  delete(id: string): Promise<boolean> {
    return this.#redis.run('session delete', async (client) => (await client.del(this.#key(id))) > 0);
  }

  /** @inheritdoc */
  health(): Promise<StoreHealth> {
    return this.#redis.health();
  }

  /** @inheritdoc */
  close(): Promise<void> {
    return this.#owned ? this.#redis.close() : Promise.resolve();
  }

  #read(id: string): Promise<SessionState | null> {
    return this.#redis.run('session read', async (client) => {
      const raw = await client.get(this.#key(id));
      // A record that does not parse is an error, not an empty session (fail closed).
      return raw === null ? null : parseState(raw);
    });
  }

  #key(id: string): string {
    return `${this.#prefix}session:${id}`;
  }
}
