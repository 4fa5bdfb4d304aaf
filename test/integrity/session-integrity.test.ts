import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemorySessionStore } from '../../src/flow/memory-session-store.ts';
import { RedisSessionStore } from '../../src/flow/redis-session-store.ts';
import {
  advanceState,
  emptyState,
  MAX_VALUE_HASHES,
  parseState,
  type SessionEffects,
} from '../../src/flow/session-state.ts';
import type { SessionStore } from '../../src/flow/session-store.ts';
import { start, type TestRedis } from '../support/redis-server.ts';
import { RANKS } from '../flow/arbitraries.ts';

const hex = (i: number) => i.toString(16).padStart(16, '0');
const sequence: SessionEffects[] = [
  { add_trusted_values: [hex(3), hex(1)] },
  { add_untrusted_sources: ['web.get_page'], add_untrusted_values: [hex(9), hex(2)] },
  { add_untrusted_sources: ['email.inbox', 'web.get_page'], add_untrusted_values: [hex(2)] },
  // Past the bound: the smallest are kept and the overflow sticks.
  {
    add_untrusted_values: Array.from({ length: MAX_VALUE_HASHES + 5 }, (_, i) => hex(i + 100)),
    add_trusted_values: Array.from({ length: MAX_VALUE_HASHES + 5 }, (_, i) => hex(i)),
  },
  { add_labels: ['pii'] },
];

async function check(store: SessionStore, id: string) {
  const nowIso = new Date(0).toISOString();
  let model = emptyState(id, nowIso);
  let version = 0;
  for (const effects of sequence) {
    const got = await store.commit(id, version, effects);
    assert.ok(got.ok);
    model = advanceState(model, effects, RANKS, nowIso, got.state.version);
    assert.deepEqual(got.state, model);
    version = got.state.version;
  }
  assert.deepEqual(model.untrusted_sources, ['email.inbox', 'web.get_page']);
  assert.equal(model.untrusted_values.length, MAX_VALUE_HASHES);
  assert.equal(model.untrusted_values[0], hex(2));
  assert.equal(model.untrusted_values_overflow, true);
  assert.equal(model.trusted_values.length, MAX_VALUE_HASHES);
}

describe('session integrity taint', () => {
  it('reads a record written before integrity taint as untainted', () => {
    const {
      untrusted_sources: _a,
      untrusted_values: _b,
      trusted_values: _c,
      untrusted_values_overflow: _d,
      ...old
    } = emptyState('s', new Date(0).toISOString());
    const parsed = parseState(JSON.stringify(old));
    assert.deepEqual(parsed.untrusted_sources, []);
    assert.equal(parsed.untrusted_values_overflow, false);
  });

  it('the memory store applies the model', async () => {
    const store = new MemorySessionStore({ ranks: RANKS, idleTtlSeconds: 60, maxSessions: 10, now: () => 0 });
    await check(store, 'm');
    await store.close();
  });

  describe('redis', () => {
    let redis: TestRedis;
    before(async () => {
      redis = await start();
    });
    after(async () => {
      await redis.stop();
    });
    it('the Lua script agrees with the model, the bound and the overflow included', async () => {
      const store = new RedisSessionStore({ url: redis.url, ranks: RANKS, idleTtlSeconds: 60, now: () => 0 });
      assert.ok(await store.connection.waitUntilReady(2_000));
      await check(store, `integrity-${process.pid}`);
      await store.close();
    });
  });
});
