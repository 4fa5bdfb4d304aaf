import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createClient } from 'redis';
import { SessionStoreUnavailableError } from '../../src/flow/errors.ts';
import { MemoryActivityStore } from '../../src/flow/memory-activity-store.ts';
import { RedisActivityStore } from '../../src/flow/redis-activity-store.ts';
import { RedisConnection } from '../../src/flow/redis-connection.ts';
import { start, type TestRedis } from '../support/redis-server.ts';
import { activityContract, T } from './activity-contract.ts';
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

async function open(
  options: { maxSystems?: number; windowSeconds?: number; buckets?: number } = {},
): Promise<RedisActivityStore> {
  const connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 300, reconnectMaxDelayMs: 200 });
  connections.push(connection);
  assert.ok(await connection.waitUntilReady(2_000));
  return new RedisActivityStore({ connection, windowSeconds: 60, buckets: 6, ...options });
}

activityContract('redis', (options) => open(options));

const allow = { decision: 'allow', restricted_read: false, system: 'workday', bytes_out: 0 } as const;

describe('redis activity store: agrees with the memory store', () => {
  it('gives the same counters as the memory store for random event sequences', async () => {
    const redisStore = await open();
    const arbEvent = fc.record({
      decision: fc.constantFrom('allow', 'deny', 'redact'),
      restricted_read: fc.boolean(),
      system: fc.option(fc.constantFrom('workday', 'slack', 'vault', 'gdrive'), { nil: null }),
      bytes_out: fc.nat({ max: 10_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 150_000 }), fc.boolean(), arbEvent), { maxLength: 15 }),
        fc.nat({ max: 80_000 }),
        async (events, lag) => {
          const memory = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
          const [agent, session] = [freshId('agent'), freshId('session')];
          const sorted = events.sort((a, b) => a[0] - b[0]);
          for (const [at, inSession, e] of sorted) {
            await memory.record(agent, inSession ? session : null, e, T + at);
            await redisStore.record(agent, inSession ? session : null, e, T + at);
          }
          const now = T + (sorted.at(-1)?.[0] ?? 0) + lag;
          assert.deepEqual(await redisStore.read(agent, session, now), await memory.read(agent, session, now));
          await memory.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('redis activity store: replicas and memory', () => {
  it('shows one replica’s records to another at once', async () => {
    const [a, b] = [await open(), await open()];
    const agent = freshId('agent');
    await a.record(agent, null, allow, T);
    await b.record(agent, null, { ...allow, decision: 'deny' }, T + 1);
    assert.deepEqual((await a.read(agent, null, T + 2)).agent, {
      window_seconds: 60,
      actions: 2,
      denials: 1,
      restricted_reads: 0,
      distinct_systems: 1,
      bytes_out: 0,
    });
  });

  it('lets Redis expire an agent’s keys one window (plus a bucket) after its last record', async () => {
    const store = await open();
    const agent = freshId('agent');
    const session = freshId('session');
    await store.record(agent, session, allow, T);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      for (const key of [
        `regent:activity:agent-counts:${agent}`,
        `regent:activity:agent-systems:${agent}`,
        `regent:activity:session-counts:${session}`,
        `regent:activity:session-systems:${session}`,
      ]) {
        const ttl = await raw.pTTL(key);
        assert.ok(ttl > 60_000 && ttl <= 70_000, `${key} expires in ${ttl} ms`);
      }
    } finally {
      raw.destroy();
    }
  });

  it('keeps an agent’s hash small however long it stays active (old buckets are pruned)', async () => {
    const store = await open();
    const agent = freshId('agent');
    for (let bucket = 0; bucket < 40; bucket++) {
      await store.record(
        agent,
        null,
        { ...allow, decision: 'deny', restricted_read: true, bytes_out: 1 },
        T + bucket * 10_000,
      );
    }
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const fields = await raw.hLen(`regent:activity:agent-counts:${agent}`);
    raw.destroy();
    assert.ok(fields <= 4 * (6 + 2), `${fields} fields`);
    assert.equal(
      (await store.read(agent, null, T + 39 * 10_000)).agent.actions,
      7,
      'the current bucket and the 6 before it',
    );
  });

  it('throws SessionStoreUnavailableError within 2 s while Redis is down', async () => {
    const store = await open();
    await redis.stop();
    try {
      for (const operation of [() => store.read('a', 's', T), () => store.record('a', 's', allow, T)]) {
        const started = performance.now();
        await assert.rejects(operation(), SessionStoreUnavailableError);
        assert.ok(performance.now() - started < 2_000);
      }
    } finally {
      await redis.restart();
    }
  });
});
