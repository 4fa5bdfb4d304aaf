// The behaviour every ActivityStore must have, run against each backend by its own test file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  ActivityCounters,
  ActivityIntent,
  ActivityKeys,
  ActivityOutcome,
  ActivityReservation,
  ActivitySnapshot,
  ActivityStore,
} from '../../src/flow/activity.ts';
import { freshId } from './session-store-contract.ts';

/** Makes a store with a 60 s window in 6 buckets of 10 s. */
export type ActivityFactory = (options: { maxSystems?: number }) => Promise<ActivityStore>;

/** A bucket boundary, so offsets in the table read as "seconds into the window". */
export const T = Date.parse('2026-11-23T10:00:00Z');

/** An intent that counts nothing but the action itself. */
export const plain: ActivityIntent = { restrictedRead: false, system: null };
/** A restricted read of Workday. */
export const restricted: ActivityIntent = { restrictedRead: true, system: 'workday' };
/** Outcomes by name. */
export const outcomes = {
  allow: { decision: 'allow', fault: false, bytesOut: 0 },
  deny: { decision: 'deny', fault: false, bytesOut: 0 },
  fault: { decision: 'deny', fault: true, bytesOut: 0 },
} as const satisfies Record<string, ActivityOutcome>;

/** Counters of the 60 s test window, zero but for `over`. */
export const counters = (over: Partial<ActivityCounters> = {}): ActivityCounters => ({
  window_seconds: 60,
  actions: 0,
  denials: 0,
  faults: 0,
  restricted_reads: 0,
  distinct_systems: 0,
  bytes_out: 0,
  ...over,
});

/** Fresh ids per name, so cases on a shared backend cannot see each other. */
export function idsFor(): (name: string | null) => string | null {
  const ids = new Map<string, string>();
  return (name) => (name === null ? null : (ids.get(name) ?? ids.set(name, freshId(name)).get(name)!));
}

/** [agent, session, principal] by name. */
type Who = [string, string | null, string | null];

interface Case {
  note: string;
  /** [ms after T, who, intent, outcome (null: never settled)] */
  events: [number, Who, ActivityIntent, ActivityOutcome | null][];
  /** A reservation of a plain action at this time, whose snapshot is compared. */
  probe: [number, Who];
  want: ActivitySnapshot;
}

const all: Who = ['agent', 'sess', 'alice'];

const cases: Case[] = [
  {
    note: 'counts actions, denials, restricted reads and bytes out, for the agent, its session and its principal',
    events: [
      [0, all, restricted, outcomes.allow],
      [1_000, all, { restrictedRead: false, system: 'slack' }, outcomes.deny],
      [2_000, all, { restrictedRead: false, system: 'slack' }, { decision: 'redact', fault: false, bytesOut: 1024 }],
    ],
    probe: [3_000, all],
    want: {
      agent: counters({ actions: 3, denials: 1, restricted_reads: 1, distinct_systems: 2, bytes_out: 1024 }),
      session: counters({ actions: 3, denials: 1, restricted_reads: 1, distinct_systems: 2, bytes_out: 1024 }),
      principal: counters({ actions: 3, denials: 1, restricted_reads: 1, distinct_systems: 2, bytes_out: 1024 }),
    },
  },
  {
    note: 'counts a reservation not yet settled as an action with its restricted read',
    events: [[0, all, restricted, null]],
    probe: [1_000, ['agent', null, null]],
    want: { agent: counters({ actions: 1, restricted_reads: 1, distinct_systems: 1 }) },
  },
  {
    note: 'gives back the restricted read of a denied action (it read nothing), and keeps the action',
    events: [
      [0, all, restricted, outcomes.deny],
      [1_000, all, restricted, outcomes.allow],
    ],
    probe: [2_000, all],
    want: {
      agent: counters({ actions: 2, denials: 1, restricted_reads: 1, distinct_systems: 1 }),
      session: counters({ actions: 2, denials: 1, restricted_reads: 1, distinct_systems: 1 }),
      principal: counters({ actions: 2, denials: 1, restricted_reads: 1, distinct_systems: 1 }),
    },
  },
  {
    note: 'counts regent’s own failures as faults, never as denials, and gives their restricted reads back',
    events: [
      [0, all, restricted, outcomes.fault],
      [1_000, all, plain, outcomes.fault],
      [2_000, all, plain, outcomes.deny],
    ],
    probe: [3_000, all],
    want: {
      agent: counters({ actions: 3, denials: 1, faults: 2, distinct_systems: 1 }),
      session: counters({ actions: 3, denials: 1, faults: 2, distinct_systems: 1 }),
      principal: counters({ actions: 3, denials: 1, faults: 2, distinct_systems: 1 }),
    },
  },
  {
    note: 'counts bytes out only for actions that were not denied',
    events: [
      [0, ['agent', null, null], plain, { decision: 'allow', fault: false, bytesOut: 10 }],
      [0, ['agent', null, null], plain, { decision: 'deny', fault: false, bytesOut: 500 }],
      [0, ['agent', null, null], plain, { decision: 'deny', fault: true, bytesOut: 500 }],
    ],
    probe: [1_000, ['agent', null, null]],
    want: { agent: counters({ actions: 3, denials: 1, faults: 1, bytes_out: 10 }) },
  },
  {
    note: 'counts distinct systems, not touches, and ignores actions without a system',
    events: [
      [0, ['agent', null, null], { restrictedRead: false, system: 'workday' }, outcomes.allow],
      [1_000, ['agent', null, null], { restrictedRead: false, system: 'workday' }, outcomes.allow],
      [2_000, ['agent', null, null], { restrictedRead: false, system: 'slack' }, outcomes.allow],
      [3_000, ['agent', null, null], plain, outcomes.allow],
    ],
    probe: [4_000, ['agent', null, null]],
    want: { agent: counters({ actions: 4, distinct_systems: 2 }) },
  },
  {
    note: 'keeps agents, sessions and principals apart: each counts only its own actions',
    events: [
      [0, ['agent', 'sess', 'alice'], plain, outcomes.deny],
      [0, ['agent', 'other-sess', 'bob'], plain, outcomes.allow],
      [0, ['other-agent', 'sess', 'alice'], plain, outcomes.deny],
    ],
    probe: [1_000, ['agent', 'other-sess', 'alice']],
    want: {
      agent: counters({ actions: 2, denials: 1 }),
      session: counters({ actions: 1 }),
      principal: counters({ actions: 2, denials: 2 }),
    },
  },
  {
    note: 'counts a principal across agents and sessions, so a new session id does not reset it',
    events: [
      [0, ['agent', 'sess-1', 'alice'], plain, outcomes.deny],
      [0, ['other-agent', 'sess-2', 'alice'], plain, outcomes.deny],
    ],
    probe: [1_000, ['agent', 'sess-3', 'alice']],
    want: {
      agent: counters({ actions: 1, denials: 1 }),
      session: counters(),
      principal: counters({ actions: 2, denials: 2 }),
    },
  },
  {
    note: 'answers for the agent only when the request names no session or principal',
    events: [[0, all, plain, outcomes.allow]],
    probe: [1_000, ['agent', null, null]],
    want: { agent: counters({ actions: 1 }) },
  },
  {
    note: 'answers zeros for an agent, session and principal it has never seen',
    events: [],
    probe: [0, all],
    want: { agent: counters(), session: counters(), principal: counters() },
  },
  {
    note: 'still counts an event exactly one window old (never forgets early)',
    events: [[0, all, { restrictedRead: false, system: 'workday' }, { decision: 'allow', fault: false, bytesOut: 5 }]],
    probe: [60_000, all],
    want: {
      agent: counters({ actions: 1, distinct_systems: 1, bytes_out: 5 }),
      session: counters({ actions: 1, distinct_systems: 1, bytes_out: 5 }),
      principal: counters({ actions: 1, distinct_systems: 1, bytes_out: 5 }),
    },
  },
  {
    note: 'may still count an event up to one bucket past the window (the documented over-count)',
    events: [[0, ['agent', null, null], { restrictedRead: false, system: 'workday' }, outcomes.allow]],
    probe: [69_999, ['agent', null, null]],
    want: { agent: counters({ actions: 1, distinct_systems: 1 }) },
  },
  {
    note: 'forgets an event older than the window plus one bucket',
    events: [
      [0, all, restricted, { decision: 'allow', fault: false, bytesOut: 9 }],
      [0, all, plain, outcomes.deny],
      [65_000, all, { restrictedRead: false, system: 'slack' }, outcomes.allow],
    ],
    probe: [70_000, all],
    want: {
      agent: counters({ actions: 1, distinct_systems: 1 }),
      session: counters({ actions: 1, distinct_systems: 1 }),
      principal: counters({ actions: 1, distinct_systems: 1 }),
    },
  },
];

/**
 * Reserves `n` restricted reads at once and settles each as a burst limit of 5 would: allowed
 * while the snapshot shows fewer than 5, denied otherwise. Returns the snapshots seen, in order
 * of issue.
 */
export async function burst(stores: ActivityStore[], keys: ActivityKeys, n: number): Promise<number[]> {
  const reservations = await Promise.all(
    Array.from({ length: n }, (_, i) => stores[i % stores.length]!.reserve(keys, restricted, T)),
  );
  const seen = reservations.map((r) => r.activity.agent.restricted_reads);
  await Promise.all(
    reservations.map((r, i) => stores[i % stores.length]!.settle(r, seen[i]! < 5 ? outcomes.allow : outcomes.deny)),
  );
  return seen;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Declares the shared ActivityStore specification for one backend. */
export function activityContract(backend: string, make: ActivityFactory): void {
  describe(`${backend} activity store: the ActivityStore contract`, () => {
    let store: ActivityStore;
    before(async () => {
      store = await make({});
    });
    after(async () => {
      await store.close();
    });

    for (const c of cases) {
      it(c.note, async () => {
        const id = idsFor();
        const keysOf = ([agent, session, principal]: Who): ActivityKeys => ({
          agent: id(agent)!,
          session: id(session),
          principal: id(principal),
        });
        for (const [at, who, intent, outcome] of c.events) {
          const reservation = await store.reserve(keysOf(who), intent, T + at);
          if (outcome !== null) await store.settle(reservation, outcome);
        }
        const [at, who] = c.probe;
        assert.deepEqual((await store.reserve(keysOf(who), plain, T + at)).activity, c.want);
      });
    }

    it('gives ten concurrent restricted reads the counts 0..9 in order, so a limit of 5 lets exactly the first five through', async () => {
      const keys = { agent: freshId('agent'), session: freshId('session'), principal: freshId('alice') };
      assert.deepEqual(await burst([store], keys, 10), range(10));
      const after = (await store.reserve(keys, plain, T + 1)).activity;
      for (const scope of ['agent', 'session', 'principal'] as const) {
        assert.deepEqual(after[scope], counters({ actions: 10, denials: 5, restricted_reads: 5, distinct_systems: 1 }));
      }
    });

    it('settles a reservation at most once, and ignores one it never issued', async () => {
      const keys = { agent: freshId('agent'), session: null, principal: null };
      const reservation = await store.reserve(keys, restricted, T);
      await store.settle(reservation, outcomes.deny);
      await store.settle(reservation, outcomes.deny);
      await store.settle(reservation, outcomes.fault);
      const forged: ActivityReservation = { activity: { agent: counters() } };
      await store.settle(forged, outcomes.deny);
      assert.deepEqual(
        (await store.reserve(keys, plain, T + 1)).activity.agent,
        counters({ actions: 1, denials: 1, distinct_systems: 1 }),
      );
    });

    it('refuses reservations and outcomes that would corrupt the counters', async () => {
      const keys = { agent: freshId('agent'), session: null, principal: null };
      await assert.rejects(store.reserve(keys, { restrictedRead: false, system: '' }, T), RangeError);
      await assert.rejects(store.reserve({ ...keys, principal: '' }, plain, T), RangeError);
      const reservation = await store.reserve(keys, plain, T);
      for (const bytesOut of [-1, 1.5]) {
        await assert.rejects(store.settle(reservation, { decision: 'allow', fault: false, bytesOut }), RangeError);
      }
    });
  });

  describe(`${backend} activity store: bounded systems`, () => {
    it('saturates distinct_systems at maxSystems instead of growing without bound', async () => {
      const store = await make({ maxSystems: 3 });
      const keys = { agent: freshId('agent'), session: null, principal: null };
      for (const [i, system] of ['a', 'b', 'c', 'd', 'e'].entries())
        await store.reserve(keys, { restrictedRead: false, system }, T + i);
      assert.equal((await store.reserve(keys, plain, T + 10)).activity.agent.distinct_systems, 3);
      await store.close();
    });
  });
}
