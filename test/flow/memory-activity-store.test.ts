import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SessionStoreUnavailableError } from '../../src/flow/errors.ts';
import { MemoryActivityStore } from '../../src/flow/memory-activity-store.ts';
import { activityContract, outcomes, plain, T } from './activity-contract.ts';

activityContract('memory', (options) =>
  Promise.resolve(new MemoryActivityStore({ windowSeconds: 60, buckets: 6, ...options })),
);

const agent = (id: string, session: string | null = null, principal: string | null = null) => ({
  agent: id,
  session,
  principal,
});

describe('memory activity store: bounded number of agents, sessions and principals', () => {
  it('forgets the least recently active beyond maxTracked (agents, sessions and principals together)', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60, maxTracked: 3 });
    await store.reserve(agent('a'), plain, T);
    await store.reserve(agent('b', 's1'), plain, T + 1); // an agent and a session: two tracked
    await store.reserve(agent('a'), plain, T + 2); // a is the most recent again
    await store.reserve(agent('c'), plain, T + 3);
    assert.equal(store.size, 3);
    assert.equal((await store.reserve(agent('a'), plain, T + 4)).activity.agent.actions, 2);
    assert.equal(
      (await store.reserve(agent('b', 's1'), plain, T + 5)).activity.agent.actions,
      0,
      'b was the least recently active',
    );
    await store.close();
  });

  it('drops agents idle for longer than the window as new activity arrives', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
    for (let i = 0; i < 100; i++) await store.reserve(agent(`idle-${i}`, `s-${i}`, `p-${i}`), plain, T);
    await store.reserve(agent('busy'), plain, T + 80_000);
    assert.equal(store.size, 1);
    await store.close();
  });

  it('leaves a newer bucket alone when a reservation settles after its own bucket was reused', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60, buckets: 6 });
    const late = await store.reserve(agent('a'), { restrictedRead: true, system: null }, T);
    // Seven buckets later the ring slot of T holds a new interval.
    await store.reserve(agent('a'), { restrictedRead: true, system: null }, T + 70_000);
    await store.settle(late, outcomes.deny);
    assert.deepEqual((await store.reserve(agent('a'), plain, T + 70_001)).activity.agent, {
      window_seconds: 60,
      actions: 1,
      denials: 0,
      faults: 0,
      restricted_reads: 1,
      distinct_systems: 0,
      bytes_out: 0,
    });
    await store.close();
  });

  it('refuses to reserve once closed (the caller denies), and settles quietly', async () => {
    const store = new MemoryActivityStore({ windowSeconds: 60 });
    const reservation = await store.reserve(agent('a'), plain, T);
    await store.close();
    await assert.rejects(store.reserve(agent('a'), plain, T), SessionStoreUnavailableError);
    await store.settle(reservation, outcomes.deny);
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
          for (const t of times) await store.reserve(agent('agent'), plain, T + t);
          const now = T + (times.at(-1) ?? 0) + lag;
          const { actions } = (await store.reserve(agent('agent'), plain, now)).activity.agent;
          const since = (from: number) => times.filter((t) => T + t > from).length;
          assert.ok(actions >= since(now - windowMs), `${actions} < exact count of the window`);
          assert.ok(actions <= since(now - windowMs - bucketMs - 1), `${actions} > count of window plus a bucket`);
          await store.close();
        },
      ),
    );
  });
});
