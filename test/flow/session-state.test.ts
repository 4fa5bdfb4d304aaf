import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidSessionEffectsError } from '../../src/flow/errors.ts';
import {
  advanceState,
  applyEffects,
  emptyState,
  parseState,
  rankOf,
  type SessionEffects,
  type SessionState,
} from '../../src/flow/session-state.ts';
import { arbEffects, arbState, RANKS } from './arbitraries.ts';

const T0 = '2026-11-23T10:00:00.000Z';
const base = (over: Partial<SessionState> = {}): SessionState => ({ ...emptyState('s', T0), ...over });

describe('applyEffects', () => {
  const cases: { note: string; state: SessionState; effects: SessionEffects; want: Partial<SessionState> }[] = [
    {
      note: 'adds labels and systems as sorted sets without duplicates',
      state: base({ labels: ['pii'], systems: ['workday'] }),
      effects: { add_labels: ['compensation', 'pii', 'compensation'], add_systems: ['slack', 'workday'] },
      want: { labels: ['compensation', 'pii'], systems: ['slack', 'workday'] },
    },
    {
      note: 'no effects change nothing',
      state: base({ labels: ['pii'], classification: 'internal' }),
      effects: {},
      want: { labels: ['pii'], classification: 'internal' },
    },
    {
      note: 'the classification rises to a higher rank',
      state: base({ classification: 'internal' }),
      effects: { classification: 'restricted' },
      want: { classification: 'restricted' },
    },
    {
      note: 'the classification never falls to a lower rank',
      state: base({ classification: 'restricted' }),
      effects: { classification: 'public' },
      want: { classification: 'restricted' },
    },
    {
      note: 'the first classification seen is taken, whatever its rank',
      state: base(),
      effects: { classification: 'public' },
      want: { classification: 'public' },
    },
    {
      note: 'an unknown classification ranks above every known one (fail closed)',
      state: base({ classification: 'restricted' }),
      effects: { classification: 'top-secret' },
      want: { classification: 'top-secret' },
    },
    {
      note: 'once unknown, a known classification does not replace it',
      state: base({ classification: 'top-secret' }),
      effects: { classification: 'restricted' },
      want: { classification: 'top-secret' },
    },
    {
      note: 'declassify removes exactly the named labels',
      state: base({ labels: ['compensation', 'pii'] }),
      effects: { declassify: ['pii', 'never-had-it'] },
      want: { labels: ['compensation'] },
    },
    {
      note: 'declassify applies after add_labels, so an anonymiser can drop the label its own input carried',
      state: base(),
      effects: { add_labels: ['pii', 'hr'], declassify: ['pii'] },
      want: { labels: ['hr'] },
    },
    {
      note: 'declassify leaves systems and classification alone',
      state: base({ systems: ['workday'], classification: 'confidential', labels: ['pii'] }),
      effects: { declassify: ['pii'] },
      want: { systems: ['workday'], classification: 'confidential', labels: [] },
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const got = applyEffects(c.state, c.effects, RANKS);
      assert.deepEqual(pick(got, Object.keys(c.want) as (keyof SessionState)[]), c.want);
      assert.equal(got.steps, c.state.steps, 'bookkeeping is not applyEffects’ business');
      assert.equal(got.version, c.state.version);
    });
  }

  const invalid: { note: string; effects: unknown }[] = [
    { note: 'a label that is not a string', effects: { add_labels: [42] } },
    { note: 'an empty label', effects: { add_labels: [''] } },
    { note: 'a label with a lone surrogate (would not survive UTF-8)', effects: { add_labels: ['\ud800'] } },
    { note: 'labels that are not an array', effects: { add_labels: 'pii' } },
    { note: 'a classification that is not a string', effects: { classification: 3 } },
  ];
  for (const c of invalid) {
    it(`refuses ${c.note}`, () => {
      assert.throws(() => applyEffects(base(), c.effects as SessionEffects, RANKS), InvalidSessionEffectsError);
    });
  }
});

describe('advanceState', () => {
  it('counts a step, stamps last_seen and takes the given version', () => {
    const s1 = advanceState(base(), { add_labels: ['pii'] }, RANKS, '2026-11-23T10:01:00.000Z', 7);
    assert.deepEqual(pick(s1, ['steps', 'first_seen', 'last_seen', 'version', 'labels']), {
      steps: 1,
      first_seen: '2026-11-23T10:01:00.000Z',
      last_seen: '2026-11-23T10:01:00.000Z',
      version: 7,
      labels: ['pii'],
    });
    const s2 = advanceState(s1, {}, RANKS, '2026-11-23T10:02:00.000Z', 8);
    assert.equal(s2.first_seen, '2026-11-23T10:01:00.000Z', 'first_seen stays at the first commit');
    assert.equal(s2.steps, 2);
  });
});

describe('parseState', () => {
  it('round-trips a state', () => {
    const s = advanceState(base(), { add_labels: ['b', 'a'], classification: 'internal' }, RANKS, T0, 3);
    assert.deepEqual(parseState(JSON.stringify(s)), s);
  });
  for (const [note, raw] of [
    ['not JSON', '{'],
    ['a missing field', JSON.stringify({ id: 's', labels: [], systems: [] })],
    ['a mistyped label', JSON.stringify({ ...base(), labels: [1] })],
    ['a fractional version', JSON.stringify({ ...base(), version: 1.5 })],
  ] as const) {
    it(`refuses a record with ${note} instead of guessing`, () => {
      assert.throws(() => parseState(raw));
    });
  }
});

describe('session state laws (property tests)', () => {
  const below = (a: SessionState, b: SessionState): boolean =>
    a.labels.every((l) => b.labels.includes(l)) &&
    a.systems.every((s) => b.systems.includes(s)) &&
    (a.classification === null ||
      (b.classification !== null && rankOf(a.classification, RANKS) <= rankOf(b.classification, RANKS)));
  const noDeclassify = arbEffects.map(({ declassify: _, ...rest }) => rest as SessionEffects);

  it('labels, systems and classification never shrink without declassify', () => {
    fc.assert(fc.property(arbState, noDeclassify, (s, e) => below(s, applyEffects(s, e, RANKS))));
  });

  it('labels shrink only by exactly the declassified ones', () => {
    fc.assert(
      fc.property(arbState, arbEffects, (s, e) => {
        const want = [...new Set([...s.labels, ...(e.add_labels ?? [])])]
          .filter((l) => !(e.declassify ?? []).includes(l))
          .sort();
        assert.deepEqual(applyEffects(s, e, RANKS).labels, want);
      }),
    );
  });

  it('is monotone: a state that knows more still knows more after the same effects', () => {
    fc.assert(
      fc.property(arbState, noDeclassify, arbEffects, (s, grow, e) => {
        const bigger = applyEffects(s, grow, RANKS);
        return below(applyEffects(s, e, RANKS), applyEffects(bigger, e, RANKS));
      }),
    );
  });

  it('is order-independent and idempotent without declassify, so retried concurrent commits converge', () => {
    fc.assert(
      fc.property(arbState, noDeclassify, noDeclassify, (s, e1, e2) => {
        const a = applyEffects(applyEffects(s, e1, RANKS), e2, RANKS);
        const b = applyEffects(applyEffects(s, e2, RANKS), e1, RANKS);
        assert.deepEqual(a.labels, b.labels);
        assert.deepEqual(a.systems, b.systems);
        assert.equal(rankOf(a.classification ?? 'public', RANKS), rankOf(b.classification ?? 'public', RANKS));
        assert.deepEqual(applyEffects(a, e2, RANKS), a);
      }),
    );
  });

  it('keeps labels and systems sorted and unique, and never mutates its input', () => {
    fc.assert(
      fc.property(arbState, arbEffects, (s, e) => {
        const before = JSON.stringify(s);
        const got = applyEffects(s, e, RANKS);
        assert.equal(JSON.stringify(s), before);
        for (const list of [got.labels, got.systems]) assert.deepEqual(list, [...new Set(list)].sort());
      }),
    );
  });
});

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Pick<T, K>;
}
