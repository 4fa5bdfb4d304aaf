import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createClient } from 'redis';
import type { ActivityIntent, ActivityOutcome } from '../../src/flow/activity.ts';
import { SessionStoreUnavailableError } from '../../src/flow/errors.ts';
import { MemoryActivityStore } from '../../src/flow/memory-activity-store.ts';
import { RedisActivityStore } from '../../src/flow/redis-activity-store.ts';
import { RedisConnection } from '../../src/flow/redis-connection.ts';
import { start, type TestRedis } from '../support/redis-server.ts';
import { activityContract, burst, counters, outcomes, plain, restricted, T } from './activity-contract.ts';
import { freshId } from './session-store-contract.ts';

let redis: TestRedis;
const connections: RedisConnection[] = [];
before(async () => {
  redis = await start();
});
after(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis.stop();
});

/** A store on its own connection: two of them are two replicas on one Redis. */
async function open(
  options: { maxSystems?: number; windowSeconds?: number; buckets?: number; keyPrefix?: string } = {},
): Promise<RedisActivityStore> {
  const connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 300, reconnectMaxDelayMs: 200 });
  connections.push(connection);
  assert.ok(await connection.waitUntilReady(2_000));
  return new RedisActivityStore({ connection, windowSeconds: 60, buckets: 6, ...options });
}

const rawClient = () => createClient({ url: redis.url });

/** Runs `use` on a plain client, to look at keys the way an operator would. */
async function rawRedis<T>(use: (raw: ReturnType<typeof rawClient>) => Promise<T>): Promise<T> {
  const raw = rawClient();
  await raw.connect();
  try {
    return await use(raw);
  } finally {
    raw.destroy();
  }
}

activityContract('redis', (options) => open(options));

describe('redis activity store: agrees with the memory store', () => {
  it('gives the same counters as the memory store for random reservations and outcomes', async () => {
    const redisStore = await open();
    const arbIntent: fc.Arbitrary<ActivityIntent> = fc.record({
      restrictedRead: fc.boolean(),
      system: fc.option(fc.constantFrom('workday', 'slack', 'vault', 'gdrive'), { nil: null }),
    });
    const arbOutcome: fc.Arbitrary<ActivityOutcome | null> = fc.option(
      fc.record({
        decision: fc.constantFrom('allow', 'deny', 'redact'),
        fault: fc.boolean(),
        bytesOut: fc.nat({ max: 10_000 }),
      }),
      { nil: null },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 150_000 }), fc.boolean(), fc.boolean(), arbIntent, arbOutcome), {
          maxLength: 15,
        }),
        fc.nat({ max: 80_000 }),
        async (events, lag) => {
          const memory = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
          const [agent, session, principal] = [freshId('agent'), freshId('session'), freshId('principal')];
          const sorted = events.sort((a, b) => a[0] - b[0]);
          for (const [at, inSession, onBehalf, intent, outcome] of sorted) {
            const keys = { agent, session: inSession ? session : null, principal: onBehalf ? principal : null };
            const [m, r] = [await memory.reserve(keys, intent, T + at), await redisStore.reserve(keys, intent, T + at)];
            assert.deepEqual(r.activity, m.activity);
            if (outcome !== null) {
              await memory.settle(m, outcome);
              await redisStore.settle(r, outcome);
            }
          }
          const now = T + (sorted.at(-1)?.[0] ?? 0) + lag;
          const keys = { agent, session, principal };
          assert.deepEqual(
            (await redisStore.reserve(keys, plain, now)).activity,
            (await memory.reserve(keys, plain, now)).activity,
          );
          await memory.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('redis activity store: replicas', () => {
  it('gives ten concurrent restricted reads through two replicas the counts 0..9, none twice, so exactly five pass a limit of 5', async () => {
    const replicas = [await open(), await open()];
    const keys = { agent: freshId('agent'), session: freshId('session'), principal: freshId('alice') };
    const seen = await burst(replicas, keys, 10);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const after = (await replicas[1]!.reserve(keys, plain, T + 1)).activity;
    for (const scope of ['agent', 'session', 'principal'] as const) {
      assert.deepEqual(after[scope], counters({ actions: 10, denials: 5, restricted_reads: 5, distinct_systems: 1 }));
    }
  });

  it('shows one replica’s reservation to another at once, before it is settled', async () => {
    const [a, b] = [await open(), await open()];
    const keys = { agent: freshId('agent'), session: null, principal: freshId('alice') };
    const pending = await a.reserve(keys, restricted, T);
    assert.deepEqual(
      (await b.reserve(keys, plain, T + 1)).activity.principal,
      counters({ actions: 1, restricted_reads: 1, distinct_systems: 1 }),
    );
    await a.settle(pending, outcomes.deny);
    assert.deepEqual(
      (await b.reserve(keys, plain, T + 2)).activity.principal,
      counters({ actions: 2, denials: 1, distinct_systems: 1 }),
    );
  });

  it('settles once even when a settle is repeated after the first reached Redis (the hold is gone)', async () => {
    const store = await open();
    const keys = { agent: freshId('agent'), session: null, principal: null };
    const reservation = await store.reserve(keys, restricted, T);
    // A second object naming the same hold, as a retried settle after a lost reply would.
    const twin = Object.create(
      Object.getPrototypeOf(reservation) as object,
      Object.getOwnPropertyDescriptors(reservation),
    ) as typeof reservation;
    await store.settle(reservation, outcomes.deny);
    await store.settle(twin, outcomes.deny);
    assert.deepEqual(
      (await store.reserve(keys, plain, T + 1)).activity.agent,
      counters({ actions: 1, denials: 1, distinct_systems: 1 }),
    );
  });
});

describe('redis activity store: memory and expiry', () => {
  it('lets Redis expire the counters one window (plus a bucket) after the last reservation', async () => {
    const store = await open();
    const keys = { agent: freshId('agent'), session: freshId('session'), principal: freshId('alice') };
    await store.reserve(keys, { restrictedRead: false, system: 'workday' }, T);
    await rawRedis(async (raw) => {
      for (const [scope, id] of Object.entries(keys)) {
        for (const kind of ['counts', 'systems']) {
          const key = `regent:activity:${scope}-${kind}:${id}`;
          const ttl = await raw.pTTL(key);
          assert.ok(ttl > 60_000 && ttl <= 70_000, `${key} expires in ${ttl} ms`);
        }
      }
    });
  });

  it('drops the hold of a settled reservation, and expires an unsettled one with its bucket', async () => {
    const prefix = `${freshId('prefix')}:`;
    const store = await open({ keyPrefix: prefix });
    const keys = { agent: freshId('agent'), session: null, principal: null };
    await store.settle(await store.reserve(keys, plain, T), outcomes.allow);
    await store.reserve(keys, plain, T);
    await rawRedis(async (raw) => {
      const holds = await raw.keys(`${prefix}activity:hold:*`);
      assert.equal(holds.length, 1, 'only the unsettled reservation holds');
      const ttl = await raw.pTTL(holds[0]!);
      assert.ok(ttl > 60_000 && ttl <= 70_000, `the hold expires in ${ttl} ms`);
    });
  });

  it('keeps an agent’s hash small however long it stays active (old buckets are pruned)', async () => {
    const store = await open();
    const keys = { agent: freshId('agent'), session: null, principal: null };
    for (let bucket = 0; bucket < 40; bucket++) {
      const r = await store.reserve(keys, restricted, T + bucket * 10_000);
      await store.settle(r, { decision: bucket % 2 === 0 ? 'deny' : 'allow', fault: bucket % 4 === 0, bytesOut: 1 });
    }
    const fields = await rawRedis((raw) => raw.hLen(`regent:activity:agent-counts:${keys.agent}`));
    assert.ok(fields <= 5 * (6 + 2), `${fields} fields`);
    assert.equal(
      (await store.reserve(keys, plain, T + 39 * 10_000)).activity.agent.actions,
      7,
      'the current bucket and the 6 before it',
    );
  });
});

describe('redis activity store: outages', () => {
  // The bound tells a bounded failure from a hang (which never ends); the 500 ms deadline itself is
  // tested in redis-connection's own tests. Tight bounds failed on a loaded 2-core machine.
  it('throws SessionStoreUnavailableError within its deadline, not hanging, while Redis is down, so the caller denies', async () => {
    const store = await open();
    const keys = { agent: freshId('agent'), session: 's', principal: 'alice' };
    const pending = await store.reserve(keys, plain, T);
    await redis.stop();
    try {
      for (const operation of [() => store.reserve(keys, plain, T), () => store.settle(pending, outcomes.allow)]) {
        const started = performance.now();
        await assert.rejects(operation(), SessionStoreUnavailableError);
        assert.ok(performance.now() - started < 10_000);
      }
    } finally {
      await redis.restart();
    }
  });
});
