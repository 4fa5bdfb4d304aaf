// The behaviour every SessionStore must have, run against each backend by its own test file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidSessionEffectsError, SessionStoreUnavailableError } from '../../src/flow/errors.ts';
import type { SessionEffects, SessionState } from '../../src/flow/session-state.ts';
import { decideWithSession, type SessionStore } from '../../src/flow/session-store.ts';

/** Makes a fresh store; ids must not collide across calls when the backend is shared. */
export type StoreFactory = () => Promise<SessionStore>;

let counter = 0;
/** A session id no other test uses. */
export const freshId = (hint: string): string =>
  `${hint}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

/** Declares the shared SessionStore specification for one backend. */
export function sessionStoreContract(backend: string, make: StoreFactory): void {
  describe(`${backend} session store: the SessionStore contract`, () => {
    let store: SessionStore;
    before(async () => {
      store = await make();
    });
    after(async () => {
      await store.close();
    });

    it('loads an unknown session as a fresh, empty state with version 0, and get() says null', async () => {
      const id = freshId('unknown');
      const state = await store.load(id);
      assert.deepEqual(
        [state.id, state.labels, state.systems, state.classification, state.steps, state.version],
        [id, [], [], null, 0, 0],
      );
      assert.equal(await store.get(id), null);
    });

    it('commits effects onto version 0 and returns the new state', async () => {
      const id = freshId('create');
      const result = await store.commit(id, 0, {
        add_labels: ['pii'],
        add_systems: ['workday'],
        classification: 'confidential',
      });
      assert.ok(result.ok);
      assert.deepEqual(pickFlow(result.state), {
        labels: ['pii'],
        systems: ['workday'],
        classification: 'confidential',
        steps: 1,
      });
      assert.notEqual(result.state.version, 0);
      assert.deepEqual(await store.get(id), result.state);
      assert.deepEqual(await store.load(id), result.state);
    });

    describe('compare-and-apply rejects a stale version and changes nothing', () => {
      const cases: { note: string; staleness: (v: { first: number; second: number }) => number }[] = [
        { note: 'version 0 once the session exists', staleness: () => 0 },
        { note: 'the version before the last commit', staleness: (v) => v.first },
        { note: 'a version that was never issued', staleness: (v) => v.second + 1000 },
        { note: 'a negative version', staleness: () => -1 },
      ];
      for (const c of cases) {
        it(c.note, async () => {
          const id = freshId('stale');
          const first = await committed(store, id, 0, { add_labels: ['a'] });
          const second = await committed(store, id, first.version, { add_labels: ['b'] });
          const result = await store.commit(id, c.staleness({ first: first.version, second: second.version }), {
            add_labels: ['c'],
          });
          assert.deepEqual(result, { ok: false });
          assert.deepEqual(await store.get(id), second);
        });
      }
    });

    it('deletes a session: true once, then false, and the session is fresh again', async () => {
      const id = freshId('delete');
      await committed(store, id, 0, { add_labels: ['pii'] });
      assert.equal(await store.delete(id), true);
      assert.equal(await store.delete(id), false);
      assert.equal(await store.get(id), null);
      assert.equal((await store.load(id)).version, 0);
    });

    it('never reuses a version for an id, so a decision made before a delete cannot land on the new session', async () => {
      const id = freshId('aba');
      const old = await committed(store, id, 0, { add_labels: ['competitor_a'] });
      await store.delete(id);
      const reborn = await committed(store, id, 0, { add_labels: ['competitor_b'] });
      assert.notEqual(reborn.version, old.version);
      assert.deepEqual(await store.commit(id, old.version, { add_labels: ['competitor_a'] }), { ok: false });
    });

    it('refuses malformed effects before touching the session', async () => {
      const id = freshId('invalid');
      await assert.rejects(store.commit(id, 0, { add_labels: [''] }), InvalidSessionEffectsError);
      assert.equal(await store.get(id), null);
    });

    it('ends many parallel, retried commits with the union of all their labels', async () => {
      const id = freshId('union');
      const n = 40;
      const labels = Array.from({ length: n }, (_, i) => `label-${String(i).padStart(2, '0')}`);
      // Each loser of a race lost to a writer that is then done, so n attempts always suffice.
      const results = await Promise.all(
        labels.map((label) =>
          decideWithSession(store, id, () => ({ result: label, effects: { add_labels: [label] } }), n),
        ),
      );
      const final = await store.get(id);
      assert.deepEqual(final?.labels, labels);
      assert.equal(final?.steps, n);
      assert.ok(
        results.some((r) => r.attempts > 1),
        'the commits really raced',
      );
    });

    it('never allows both sides of a Chinese wall when they are decided concurrently', async () => {
      const wall = (mine: string, theirs: string) => (state: SessionState) =>
        state.labels.includes(theirs)
          ? { result: 'deny' as const, effects: null }
          : { result: 'allow' as const, effects: { add_labels: [mine] } satisfies SessionEffects };
      let raced = 0;
      for (let trial = 0; trial < 30; trial++) {
        const id = freshId('wall');
        const [a, b] = await Promise.all([
          decideWithSession(store, id, wall('competitor_a', 'competitor_b')),
          decideWithSession(store, id, wall('competitor_b', 'competitor_a')),
        ]);
        assert.notDeepEqual([a.result, b.result], ['allow', 'allow'], `trial ${trial}: both competitors were allowed`);
        if (a.attempts > 1 || b.attempts > 1) raced++;
      }
      assert.ok(raced > 0, 'at least one trial saw both reads of an empty session (the race the versions close)');
    });

    it('reports healthy', async () => {
      assert.equal((await store.health()).ok, true);
    });
  });

  describe(`${backend} session store: after close`, () => {
    it('throws SessionStoreUnavailableError instead of answering', async () => {
      const store = await make();
      await store.close();
      await assert.rejects(store.load(freshId('closed')), SessionStoreUnavailableError);
      await assert.rejects(store.commit(freshId('closed'), 0, {}), SessionStoreUnavailableError);
      assert.equal((await store.health()).ok, false);
    });
  });
}

/** Commits and asserts that it landed. */
export async function committed(
  store: SessionStore,
  id: string,
  version: number,
  effects: SessionEffects,
): Promise<SessionState> {
  const result = await store.commit(id, version, effects);
  assert.ok(result.ok, `commit on ${id} at version ${version} was rejected`);
  return result.state;
}

function pickFlow(s: SessionState) {
  return { labels: s.labels, systems: s.systems, classification: s.classification, steps: s.steps };
}
