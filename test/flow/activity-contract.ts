// The behaviour every ActivityStore must have, run against each backend by its own test file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActivityCounters, ActivityEvent, ActivitySnapshot, ActivityStore } from '../../src/flow/activity.ts';
import { freshId } from './session-store-contract.ts';

/** Makes a store with a 60 s window in 6 buckets of 10 s. */
export type ActivityFactory = (options: { maxSystems?: number }) => Promise<ActivityStore>;

/** A bucket boundary, so offsets in the table read as "seconds into the window". */
export const T = Date.parse('2026-11-23T10:00:00Z');

const event = (over: Partial<ActivityEvent> = {}): ActivityEvent => ({
  decision: 'allow',
  restricted_read: false,
  system: null,
  bytes_out: 0,
  ...over,
});
const counters = (over: Partial<ActivityCounters> = {}): ActivityCounters => ({
  window_seconds: 60,
  actions: 0,
  denials: 0,
  restricted_reads: 0,
  distinct_systems: 0,
  bytes_out: 0,
  ...over,
});

interface Case {
  note: string;
  /** [ms after T, agent, session, event] */
  events: [number, string, string | null, ActivityEvent][];
  read: [number, string, string | null];
  want: ActivitySnapshot;
}

const cases: Case[] = [
  {
    note: 'counts actions, denials, restricted reads and bytes out, for the agent and for its session',
    events: [
      [0, 'agent', 'sess', event({ restricted_read: true, system: 'workday' })],
      [1_000, 'agent', 'sess', event({ decision: 'deny', system: 'slack' })],
      [2_000, 'agent', 'sess', event({ decision: 'redact', system: 'slack', bytes_out: 1024 })],
    ],
    read: [3_000, 'agent', 'sess'],
    want: {
      agent: counters({ actions: 3, denials: 1, restricted_reads: 1, distinct_systems: 2, bytes_out: 1024 }),
      session: counters({ actions: 3, denials: 1, restricted_reads: 1, distinct_systems: 2, bytes_out: 1024 }),
    },
  },
  {
    note: 'counts distinct systems, not touches, and ignores actions without a system',
    events: [
      [0, 'agent', null, event({ system: 'workday' })],
      [1_000, 'agent', null, event({ system: 'workday' })],
      [2_000, 'agent', null, event({ system: 'slack' })],
      [3_000, 'agent', null, event()],
    ],
    read: [4_000, 'agent', null],
    want: { agent: counters({ actions: 4, distinct_systems: 2 }) },
  },
  {
    note: 'keeps agents and sessions apart: the agent counts across its sessions, each session only its own',
    events: [
      [0, 'agent', 'sess', event({ decision: 'deny' })],
      [0, 'agent', 'other-sess', event()],
      [0, 'other-agent', 'sess', event()],
    ],
    read: [1_000, 'agent', 'other-sess'],
    want: { agent: counters({ actions: 2, denials: 1 }), session: counters({ actions: 1 }) },
  },
  {
    note: 'answers for the agent only when the request names no session',
    events: [[0, 'agent', 'sess', event()]],
    read: [1_000, 'agent', null],
    want: { agent: counters({ actions: 1 }) },
  },
  {
    note: 'answers zeros for an agent and session it has never seen',
    events: [],
    read: [0, 'agent', 'sess'],
    want: { agent: counters(), session: counters() },
  },
  {
    note: 'still counts an event exactly one window old (never forgets early)',
    events: [[0, 'agent', 'sess', event({ system: 'workday', bytes_out: 5 })]],
    read: [60_000, 'agent', 'sess'],
    want: {
      agent: counters({ actions: 1, distinct_systems: 1, bytes_out: 5 }),
      session: counters({ actions: 1, distinct_systems: 1, bytes_out: 5 }),
    },
  },
  {
    note: 'may still count an event up to one bucket past the window (the documented over-count)',
    events: [[0, 'agent', null, event({ system: 'workday' })]],
    read: [69_999, 'agent', null],
    want: { agent: counters({ actions: 1, distinct_systems: 1 }) },
  },
  {
    note: 'forgets an event older than the window plus one bucket',
    events: [
      [0, 'agent', 'sess', event({ decision: 'deny', system: 'workday', restricted_read: true, bytes_out: 9 })],
      [65_000, 'agent', 'sess', event({ system: 'slack' })],
    ],
    read: [70_000, 'agent', 'sess'],
    want: {
      agent: counters({ actions: 1, distinct_systems: 1 }),
      session: counters({ actions: 1, distinct_systems: 1 }),
    },
  },
];

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
        // Fresh ids per case, so cases cannot see each other on a shared backend.
        const ids = new Map<string, string>();
        const id = (name: string | null) =>
          name === null ? null : (ids.get(name) ?? ids.set(name, freshId(name)).get(name)!);
        for (const [at, agent, session, e] of c.events) await store.record(id(agent)!, id(session), e, T + at);
        const [at, agent, session] = c.read;
        assert.deepEqual(await store.read(id(agent)!, id(session), T + at), c.want);
      });
    }

    it('refuses events that would corrupt the counters', async () => {
      for (const bad of [event({ bytes_out: -1 }), event({ bytes_out: 1.5 }), event({ system: '' })]) {
        await assert.rejects(store.record(freshId('agent'), null, bad, T), RangeError);
      }
    });
  });

  describe(`${backend} activity store: bounded systems`, () => {
    it('saturates distinct_systems at maxSystems instead of growing without bound', async () => {
      const store = await make({ maxSystems: 3 });
      const agent = freshId('agent');
      for (const [i, system] of ['a', 'b', 'c', 'd', 'e'].entries())
        await store.record(agent, null, event({ system }), T + i);
      assert.equal((await store.read(agent, null, T + 10)).agent.distinct_systems, 3);
      await store.close();
    });
  });
}
