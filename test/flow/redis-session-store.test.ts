import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { createClient } from 'redis';
import { SessionStoreUnavailableError } from '../../src/flow/errors.ts';
import { RedisSessionStore } from '../../src/flow/redis-session-store.ts';
import { advanceState, emptyState, type SessionState } from '../../src/flow/session-state.ts';
import { start, type TestRedis } from '../support/redis-server.ts';
import { arbEffects, RANKS } from './arbitraries.ts';
import { committed, freshId, sessionStoreContract } from './session-store-contract.ts';

let redis: TestRedis;
const stores: RedisSessionStore[] = [];

before(async () => {
  redis = await start();
});
after(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis.stop();
});

/** A store on the test Redis with short timeouts, closed after the file. */
async function open(
  options: { keyPrefix?: string; idleTtlSeconds?: number; now?: () => number } = {},
): Promise<RedisSessionStore> {
  const store = new RedisSessionStore({
    url: redis.url,
    ranks: RANKS,
    idleTtlSeconds: 60,
    commandTimeoutMs: 300,
    reconnectMaxDelayMs: 200,
    ...options,
  });
  stores.push(store);
  assert.ok(await store.connection.waitUntilReady(2_000), 'connected to the test Redis');
  return store;
}

sessionStoreContract('redis', () => open());

describe('redis session store: replicas', () => {
  it('shows one store’s commit to another store (another client) at once', async () => {
    const [a, b] = [await open(), await open()];
    const id = freshId('replicas');
    const first = await committed(a, id, 0, { add_labels: ['competitor_a'] });
    assert.deepEqual(await b.get(id), first);
    assert.deepEqual(
      await b.commit(id, 0, { add_labels: ['competitor_b'] }),
      { ok: false },
      'b cannot decide on the empty state',
    );
    const second = await committed(b, id, first.version, { add_labels: ['pii'] });
    assert.deepEqual((await a.load(id)).labels, ['competitor_a', 'pii']);
    assert.equal((await a.load(id)).version, second.version);
  });

  it('keeps the union of labels when parallel commits go through several clients', async () => {
    const clients = [await open(), await open(), await open()];
    const id = freshId('replica-union');
    const labels = Array.from({ length: 30 }, (_, i) => `l${String(i).padStart(2, '0')}`);
    await Promise.all(
      labels.map(async (label, i) => {
        const store = clients[i % clients.length]!;
        for (let attempt = 0; attempt < labels.length; attempt++) {
          const state = await store.load(id);
          if ((await store.commit(id, state.version, { add_labels: [label] })).ok) return;
        }
        assert.fail(`${label} never committed`);
      }),
    );
    assert.deepEqual((await clients[0]!.get(id))?.labels, labels);
  });

  it('keeps deployments with different key prefixes apart', async () => {
    const [blue, green] = [await open({ keyPrefix: 'blue:' }), await open({ keyPrefix: 'green:' })];
    const id = freshId('prefix');
    await committed(blue, id, 0, { add_labels: ['pii'] });
    assert.equal(await green.get(id), null);
  });
});

describe('redis session store: the Lua script agrees with advanceState', () => {
  it('gives the same state as the TypeScript model for random effect sequences', async () => {
    const fixedNow = Date.parse('2026-11-23T10:00:00Z');
    const store = await open({ now: () => fixedNow });
    const nowIso = new Date(fixedNow).toISOString();
    await fc.assert(
      fc.asyncProperty(fc.array(arbEffects, { minLength: 1, maxLength: 6 }), async (sequence) => {
        const id = freshId('model');
        let model: SessionState = emptyState(id, nowIso);
        let version = 0;
        for (const effects of sequence) {
          const got = await committed(store, id, version, effects);
          model = advanceState(model, effects, RANKS, nowIso, got.version);
          assert.deepEqual(got, model);
          version = got.version;
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('redis session store: idle TTL', () => {
  it('lets Redis forget a session idle for the TTL, and a commit restarts the clock', async () => {
    // A 2 s TTL checked 1.2 s after a commit leaves 0.8 s for a loaded machine's late timers.
    const store = await open({ idleTtlSeconds: 2 });
    const id = freshId('ttl');
    const first = await committed(store, id, 0, { add_labels: ['pii'] });
    await sleep(1200);
    await committed(store, id, first.version, {});
    await sleep(1200);
    assert.notEqual(await store.get(id), null, 'alive 2.4 s after creation: the second commit refreshed the TTL');
    await sleep(1800);
    assert.equal(await store.get(id), null, 'gone 3 s after the last commit');
    assert.equal((await store.load(id)).version, 0);
  });
});

describe('redis session store: failures are errors, never an empty session', () => {
  it('throws on a record it cannot read', async () => {
    const store = await open();
    const id = freshId('corrupt');
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.set(`regent:session:${id}`, '{"labels":');
    await raw.set(`regent:session:${id}-2`, JSON.stringify({ id, labels: 'pii' }));
    raw.destroy();
    await assert.rejects(store.load(id), SessionStoreUnavailableError);
    await assert.rejects(store.load(`${id}-2`), SessionStoreUnavailableError);
  });

  it('falls back to sending the script when Redis has forgotten it (SCRIPT FLUSH)', async () => {
    const store = await open();
    const raw = createClient({ url: redis.url });
    await raw.connect();
    await raw.scriptFlush();
    raw.destroy();
    await committed(store, freshId('noscript'), 0, { add_labels: ['pii'] });
  });
});

// Runs last in the file: it stops and restarts the shared server.
describe('redis session store: outages', () => {
  const timed = async (operation: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
    const started = performance.now();
    try {
      await operation();
      return { error: undefined, ms: performance.now() - started };
    } catch (error) {
      return { error, ms: performance.now() - started };
    }
  };
  const eventually = async (operation: () => Promise<unknown>, withinMs: number): Promise<number> => {
    const started = performance.now();
    for (;;) {
      try {
        await operation();
        return performance.now() - started;
      } catch (error) {
        if (performance.now() - started > withinMs) throw error;
        await sleep(50);
      }
    }
  };

  // Wall-clock bounds here tell a bounded failure from a hang (which never ends), generously, so a
  // loaded machine cannot break them; the deadlines themselves are tested in redis-connection's tests.
  it('fails every operation, without hanging, while Redis is stopped, and recovers after a restart without a new store', async () => {
    const store = await open();
    const id = freshId('outage');
    const before = await committed(store, id, 0, { add_labels: ['pii'] });

    await redis.stop();
    const operations = [
      () => store.load(id),
      () => store.get(id),
      () => store.commit(id, before.version, { add_labels: ['more'] }),
      () => store.delete(id),
    ];
    for (const operation of operations) {
      const { error, ms } = await timed(operation);
      assert.ok(
        error instanceof SessionStoreUnavailableError,
        `expected SessionStoreUnavailableError, got ${String(error)}`,
      );
      assert.equal(error.code, 'session.store_unavailable');
      assert.ok(ms < 10_000, `failed after ${ms} ms`);
    }
    assert.equal((await store.health()).ok, false);

    await redis.restart(); // same port, empty data (no persistence in tests)
    await eventually(() => store.load(id), 30_000);
    assert.equal((await store.health()).ok, true);
    await committed(store, id, 0, { add_labels: ['after-restart'] });
  });

  it('fails within the deadline when Redis hangs (SIGSTOP), and recovers when it resumes', async () => {
    const store = await open();
    const id = freshId('hang');
    await committed(store, id, 0, {});

    redis.pause();
    try {
      for (const operation of [() => store.load(id), () => store.commit(id, 0, {}), () => store.load(id)]) {
        const { error, ms } = await timed(operation);
        assert.ok(
          error instanceof SessionStoreUnavailableError,
          `expected SessionStoreUnavailableError, got ${String(error)}`,
        );
        assert.ok(ms < 10_000, `failed after ${ms} ms with a 300 ms deadline: it hung`);
      }
    } finally {
      redis.resume();
    }
    await eventually(() => store.load(id), 30_000);
    assert.equal((await store.get(id))?.steps, 1);
  });
});
