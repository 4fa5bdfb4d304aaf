import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { MemorySessionStore, type MemorySessionStoreOptions } from '../../src/flow/memory-session-store.ts';
import { RANKS } from './arbitraries.ts';
import { committed, sessionStoreContract } from './session-store-contract.ts';

sessionStoreContract('memory', () =>
  Promise.resolve(new MemorySessionStore({ ranks: RANKS, idleTtlSeconds: 60, maxSessions: 1000 })),
);

/** A store on a hand-driven clock. */
function storeWithClock(options: Partial<MemorySessionStoreOptions> = {}) {
  const clock = { now: Date.parse('2026-11-23T10:00:00Z') };
  const store = new MemorySessionStore({
    ranks: RANKS,
    idleTtlSeconds: 60,
    maxSessions: 1000,
    ...options,
    now: () => clock.now,
  });
  return { store, clock };
}

describe('memory session store: idle TTL', () => {
  it('forgets a session once it has been idle for the TTL, even without a sweep', async () => {
    const { store, clock } = storeWithClock();
    await committed(store, 's', 0, { add_labels: ['pii'] });
    clock.now += 59_999;
    assert.notEqual(await store.get('s'), null, 'still there just before the TTL');
    clock.now += 1;
    assert.equal(await store.get('s'), null);
    assert.equal((await store.load('s')).version, 0);
    await store.close();
  });

  it('counts the TTL from the last commit: a commit keeps the session alive, a load does not', async () => {
    const { store, clock } = storeWithClock();
    const first = await committed(store, 's', 0, { add_labels: ['pii'] });
    clock.now += 40_000;
    await committed(store, 's', first.version, {});
    clock.now += 40_000;
    assert.deepEqual((await store.get('s'))?.labels, ['pii'], 'alive 80 s after creation, 40 s after the last commit');
    await store.load('s');
    clock.now += 20_000;
    assert.equal(await store.get('s'), null, 'the load did not extend it');
    await store.close();
  });

  it('sweeps expired sessions out of memory and stops at the first live one', async () => {
    const { store, clock } = storeWithClock();
    await committed(store, 'old-1', 0, {});
    await committed(store, 'old-2', 0, {});
    clock.now += 30_000;
    await committed(store, 'young', 0, {});
    clock.now += 30_000;
    assert.equal(store.sweep(), 2);
    assert.deepEqual(store.stats(), { sessions: 1, evictions: 0, expirations: 2 });
    await store.close();
  });

  it('does not keep the process alive with its sweep timer', () => {
    const code = `import { MemorySessionStore } from './src/flow/memory-session-store.ts';
      new MemorySessionStore({ ranks: {}, idleTtlSeconds: 1, maxSessions: 1, sweepIntervalSeconds: 1 });`;
    // A process the 1 s sweep timer kept alive would never exit: spawnSync's timeout kills it
    // (status null). No wall-clock bound of its own: a loaded machine starts node slowly.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: new URL('../..', import.meta.url),
      timeout: 30_000,
    });
    assert.equal(child.status, 0, child.stderr.toString());
  });
});

describe('memory session store: bounded size', () => {
  it('evicts the least recently committed session beyond maxSessions', async () => {
    const { store, clock } = storeWithClock({ maxSessions: 3 });
    const a = await committed(store, 'a', 0, { add_labels: ['x'] });
    await committed(store, 'b', 0, {});
    await committed(store, 'c', 0, {});
    clock.now += 1;
    await committed(store, 'a', a.version, {}); // a is now the most recent
    await committed(store, 'd', 0, {});
    assert.equal(await store.get('b'), null, 'b was the least recently committed');
    for (const id of ['a', 'c', 'd']) assert.notEqual(await store.get(id), null, `${id} is kept`);
    assert.deepEqual(store.stats(), { sessions: 3, evictions: 1, expirations: 0 });
    await store.close();
  });

  it('never holds more than maxSessions, however many sessions arrive', async () => {
    const { store } = storeWithClock({ maxSessions: 50 });
    for (let i = 0; i < 1000; i++) await committed(store, `s${i}`, 0, {});
    assert.equal(store.stats().sessions, 50);
    assert.notEqual(await store.get('s999'), null);
    assert.equal(await store.get('s949'), null);
    await store.close();
  });

  it('hands out states that cannot be changed behind its back', async () => {
    const { store } = storeWithClock();
    const state = await committed(store, 's', 0, { add_labels: ['pii'] });
    assert.throws(() => (state.labels as string[]).push('sneaky'));
    assert.deepEqual((await store.get('s'))?.labels, ['pii']);
    await store.close();
  });
});
