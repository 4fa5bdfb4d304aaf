// fast-check generators for session state and effects: a small vocabulary so that effects
// collide with existing labels often, plus arbitrary Unicode so that encoding bugs show up.
import fc from 'fast-check';
import {
  emptyState,
  type ClassificationRanks,
  type SessionEffects,
  type SessionState,
} from '../../src/flow/session-state.ts';

/** The rank table of rego/regent/config/data.json. */
export const RANKS: ClassificationRanks = { public: 0, internal: 1, confidential: 2, restricted: 3 };

/** A label or system name: mostly from a small vocabulary, sometimes any well-formed Unicode. */
export const arbName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('pii', 'compensation', 'secret', 'competitor_a', 'competitor_b', 'workday', 'slack'),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }) },
);

/** A classification: known names, plus two the rank table does not know (they tie, ranking above all). */
export const arbClassification = fc.constantFrom(
  'public',
  'internal',
  'confidential',
  'restricted',
  'top-secret',
  'mystery',
);

const arbSet = fc.uniqueArray(arbName, { maxLength: 5 }).map((xs) => xs.sort());

/** Any reachable-looking session state. */
export const arbState: fc.Arbitrary<SessionState> = fc
  .record({ labels: arbSet, systems: arbSet, classification: fc.option(arbClassification, { nil: null }) })
  .map((fields) => ({ ...emptyState('s', '2026-11-23T10:00:00.000Z'), ...fields, steps: 1, version: 1 }));

/** Effects with any subset of their fields. */
export const arbEffects: fc.Arbitrary<SessionEffects> = fc.record(
  {
    add_labels: fc.array(arbName, { maxLength: 4 }),
    add_systems: fc.array(arbName, { maxLength: 3 }),
    classification: fc.option(arbClassification, { nil: null }),
    declassify: fc.array(arbName, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
