import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryActivityStore } from '../../src/flow/memory-activity-store.ts';
import { activityContract, T } from './activity-contract.ts';

activityContract('memory', (options) =>
  Promise.resolve(new MemoryActivityStore({ windowSeconds: 60, buckets: 6, ...options })),
);

const allow = { decision: 'allow', restricted_read: false, system: null, bytes_out: 0 } as const;

describe('memory activity store: bounded number of agents and sessions', () => {
  it('forgets the least recently active beyond maxTracked (agents and sessions together)', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60, maxTracked: 3 });
    await store.record('a', null, allow, T);
    await store.record('b', 's1', allow, T + 1); // an agent and a session: two tracked
    await store.record('a', null, allow, T + 2); // a is the most recent again
    await store.record('c', null, allow, T + 3);
    assert.equal(store.size, 3);
    assert.equal((await store.read('b', 's1', T + 4)).agent.actions, 0, 'b was the least recently active');
    assert.equal((await store.read('a', null, T + 4)).agent.actions, 2);
    await store.close();
  });

  it('drops agents idle for longer than the window as new activity arrives', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
    for (let i = 0; i < 100; i++) await store.record(`idle-${i}`, `s-${i}`, allow, T);
    await store.record('busy', null, allow, T + 80_000);
    assert.equal(store.size, 1);
    await store.close();
  });

  it('does not start tracking an agent just because it was read', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60 });
    await store.read('curious', 'sess', T);
    assert.equal(store.size, 0);
    await store.close();
  });
});

describe('memory activity store: the bucket approximation (property test)', () => {
  it('counts at least every action of the last window and at most those of the window plus one bucket', async () => {
    const windowMs = 60_000;
    const bucketMs = 10_000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 30 }).map((xs) => xs.sort((a, b) => a - b)),
        fc.integer({ min: 0, max: 100_000 }),
        async (times, lag) => {
          const store = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
          for (const t of times) await store.record('agent', null, allow, T + t);
          const now = T + (times.at(-1) ?? 0) + lag;
          const { actions } = (await store.read('agent', null, now)).agent;
          const since = (from: number) => times.filter((t) => T + t > from).length;
          assert.ok(actions >= since(now - windowMs), `${actions} < exact count of the window`);
          assert.ok(actions <= since(now - windowMs - bucketMs - 1), `${actions} > count of window plus a bucket`);
          await store.close();
        },
      ),
    );
  });
});
