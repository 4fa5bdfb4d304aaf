/**
 * Resource taint on both backends: labels accumulate and never clean, the highest
 * classification is kept, entries expire after their time to live, the memory store forgets the
 * least recently written past its bound, and two Redis replicas see each other's writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisConnection } from '../../src/flow/redis-connection.ts';
import {
  MemoryResourceTaintStore,
  RedisResourceTaintStore,
  type ResourceTaintStore,
} from '../../src/flow/resource-taint-store.ts';
import { start, type TestRedis } from '../support/redis-server.ts';

const RANKS = { public: 0, internal: 1, confidential: 2, restricted: 3 };

function contract(name: string, open: (now: () => number) => Promise<ResourceTaintStore>): void {
  describe(`resource taint (${name})`, () => {
    it('knows nothing of a resource never written', async () => {
      const store = await open(() => 0);
      assert.equal(await store.get('gdrive', 'never'), undefined);
    });

    it('accumulates labels and keeps the highest classification; a clean write never cleans', async () => {
      const store = await open(() => 1_000);
      await store.add('gdrive', 'doc-1', { labels: ['pii'], classification: 'confidential' });
      await store.add('gdrive', 'doc-1', { labels: ['compensation'], classification: 'restricted' });
      await store.add('gdrive', 'doc-1', { labels: [], classification: 'public' });
      assert.deepEqual(await store.get('gdrive', 'doc-1'), {
        labels: ['compensation', 'pii'],
        classification: 'restricted',
      });
    });

    it('keeps resources of different systems with the same id apart', async () => {
      const store = await open(() => 1_000);
      await store.add('slack', 'x:1', { labels: ['secret'], classification: null });
      assert.equal(await store.get('slack:x', '1'), undefined);
      assert.equal(await store.get('gdrive', 'x:1'), undefined);
    });
  });
}

contract('memory', (now) => Promise.resolve(new MemoryResourceTaintStore({ ranks: RANKS, ttlSeconds: 60, now })));

describe('resource taint (memory): bounds', () => {
  it('forgets a resource after its time to live since the last write', async () => {
    let t = 0;
    const store = new MemoryResourceTaintStore({ ranks: RANKS, ttlSeconds: 60, now: () => t });
    await store.add('gdrive', 'a', { labels: ['pii'], classification: null });
    t = 59_000;
    assert.deepEqual((await store.get('gdrive', 'a'))?.labels, ['pii']);
    t = 61_000;
    assert.equal(await store.get('gdrive', 'a'), undefined);
  });

  it('forgets the least recently written past its bound', async () => {
    const store = new MemoryResourceTaintStore({ ranks: RANKS, ttlSeconds: 60, maxResources: 2, now: () => 0 });
    await store.add('s', 'a', { labels: ['a'], classification: null });
    await store.add('s', 'b', { labels: ['b'], classification: null });
    await store.add('s', 'a', { labels: ['a2'], classification: null });
    await store.add('s', 'c', { labels: ['c'], classification: null });
    assert.equal(await store.get('s', 'b'), undefined);
    assert.deepEqual((await store.get('s', 'a'))?.labels, ['a', 'a2']);
  });
});

describe('resource taint (redis)', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const openConnection = async () => {
    const c = new RedisConnection({ url: redis.url, commandTimeoutMs: 500 });
    connections.push(c);
    assert.ok(await c.waitUntilReady(2_000));
    return c;
  };
  before(async () => {
    redis = await start();
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis.stop();
  });

  let n = 0;
  contract('redis', async () => {
    const connection = await openConnection();
    return new RedisResourceTaintStore({ connection, keyPrefix: `t${++n}:`, ranks: RANKS, ttlSeconds: 60 });
  });

  it('two replicas on one Redis see each other’s writes', async () => {
    const a = new RedisResourceTaintStore({
      connection: await openConnection(),
      keyPrefix: 'shared:',
      ranks: RANKS,
      ttlSeconds: 60,
    });
    const b = new RedisResourceTaintStore({
      connection: await openConnection(),
      keyPrefix: 'shared:',
      ranks: RANKS,
      ttlSeconds: 60,
    });
    await a.add('gdrive', 'doc', { labels: ['pii'], classification: 'confidential' });
    await b.add('gdrive', 'doc', { labels: ['health'], classification: 'restricted' });
    assert.deepEqual(await a.get('gdrive', 'doc'), { labels: ['health', 'pii'], classification: 'restricted' });
  });

  it('a Redis outage is an error, never an empty taint', async () => {
    const store = new RedisResourceTaintStore({
      connection: await openConnection(),
      keyPrefix: 'down:',
      ranks: RANKS,
      ttlSeconds: 60,
    });
    await redis.stop();
    await assert.rejects(store.get('gdrive', 'doc'));
    await redis.restart();
  });
});
