import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  activityPort,
  createFlowStores,
  sessionPort,
  SessionStoreUnavailableError,
  type FlowConfig,
} from '../../src/flow/index.ts';
import { start, type TestRedis } from '../support/redis-server.ts';
import { RANKS } from './arbitraries.ts';

const config: FlowConfig = {
  ranks: RANKS,
  sessionTtlSeconds: 60,
  maxSessions: 100,
  redisUrl: '',
  redisKeyPrefix: 'regent:',
  activityWindowSeconds: 300,
};

let redis: TestRedis;
before(async () => {
  redis = await start();
});
after(async () => {
  await redis.stop();
});

describe('createFlowStores', () => {
  const backends: { note: string; config: () => FlowConfig; backend: 'memory' | 'redis' }[] = [
    { note: 'keeps state in memory when no Redis URL is configured', config: () => config, backend: 'memory' },
    {
      note: 'keeps state on Redis when REGENT_REDIS_URL is set',
      config: () => ({ ...config, redisUrl: redis.url }),
      backend: 'redis',
    },
  ];
  for (const c of backends) {
    it(c.note, async () => {
      const flow = await createFlowStores(c.config());
      await flow.connection?.waitUntilReady(2_000);
      assert.equal(flow.backend, c.backend);
      assert.deepEqual(await flow.health(), { ok: true, backend: c.backend });
      const sessions = sessionPort(flow.sessions);
      const activity = activityPort(flow.activity, () => Date.parse('2026-11-23T10:00:00Z'));

      const loaded = await sessions.load('sess-7f3a');
      assert.equal(loaded.version, 0);
      const update = { add_labels: ['pii'], add_systems: ['workday'], classification: 'restricted', declassify: [] };
      assert.equal(await sessions.commit('sess-7f3a', loaded.version, update), true);
      assert.equal(
        await sessions.commit('sess-7f3a', loaded.version, update),
        false,
        'a stale version is a conflict, not an error',
      );
      const { view } = await sessions.load('sess-7f3a');
      assert.deepEqual(
        [view.labels, view.systems, view.classification, view.steps],
        [['pii'], ['workday'], 'restricted', 1],
      );

      const keys = { agent: 'hr-assistant', session: 'sess-7f3a', principal: 'alice' };
      const first = await activity.reserve(keys, { restrictedRead: true, system: 'workday' });
      await activity.settle(first, { decision: 'deny', fault: false, bytesOut: 0 });
      const second = await activity.reserve({ ...keys, session: null }, { restrictedRead: false, system: null });
      const counters = { window_seconds: 300, actions: 1, denials: 1, faults: 0, restricted_reads: 0 };
      assert.deepEqual(second.activity, {
        agent: { ...counters, distinct_systems: 1, bytes_out: 0 },
        principal: { ...counters, distinct_systems: 1, bytes_out: 0 },
      });

      await flow.close();
      await assert.rejects(sessions.load('sess-7f3a'), SessionStoreUnavailableError);
    });
  }
});

describe('RedisConnection', () => {
  it('refuses a malformed URL without repeating it (it may hold a password)', async () => {
    await assert.rejects(
      createFlowStores({ ...config, redisUrl: 'redis://:hunter2@[::1' }),
      (err: Error) => err instanceof RangeError && !err.message.includes('hunter2') && err.cause === undefined,
    );
  });
});
