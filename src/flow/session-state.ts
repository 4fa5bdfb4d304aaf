/**
 * What regent remembers about one agent session, and the one pure function that changes it.
 * Both stores (memory and the Redis Lua script) implement exactly these rules; the Redis tests
 * check the script against `advanceState` on random inputs.
 *
 * The rules are those of a Denning-style lattice: what entered the agent's context stays there
 * (labels and systems only grow, the classification only rises) unless a policy explicitly
 * declassifies a label. Growth is a set union and a max, so it is commutative and idempotent:
 * concurrent decisions that are retried on conflict end with the union of their effects.
 */
import { InvalidSessionEffectsError } from './errors.ts';

/** One session's flow state; `version` is an opaque token that changes on every commit. */
export interface SessionState {
  readonly id: string;
  /** Labels that entered the agent's context, sorted, without duplicates. */
  readonly labels: readonly string[];
  /** Systems the agent has taken data from, sorted, without duplicates. */
  readonly systems: readonly string[];
  /** Highest classification seen, by the rank table; null before anything classified. */
  readonly classification: string | null;
  /** Number of committed decisions. */
  readonly steps: number;
  /** ISO time of the first commit (of the load, for a fresh state). */
  readonly first_seen: string;
  /** ISO time of the last commit (of the load, for a fresh state). */
  readonly last_seen: string;
  /** 0 for a session that does not exist; otherwise never reused for the same id, even after expiry or delete. */
  readonly version: number;
  /** Integrity taint: tools whose untrusted output entered the agent's context, sorted (empty: none has). */
  readonly untrusted_sources: readonly string[];
  /** Hashes of values untrusted outputs carried (src/integrity), sorted, at most MAX_VALUE_HASHES. */
  readonly untrusted_values: readonly string[];
  /** Hashes of values trusted outputs carried, sorted, at most MAX_VALUE_HASHES (the rest dropped). */
  readonly trusted_values: readonly string[];
  /** More untrusted values arrived than are kept: a value not found among them may still be one. */
  readonly untrusted_values_overflow: boolean;
}

/** Value hashes a session keeps per set; the smallest are kept, so merging stays order-independent. */
export const MAX_VALUE_HASHES = 1024;

/** What a decision does to its session (the policy output's `session`, completed by the decision service). */
export interface SessionEffects {
  readonly add_labels?: readonly string[];
  readonly add_systems?: readonly string[];
  /** A classification the agent has now seen; raises the session's only if it ranks higher. */
  readonly classification?: string | null;
  /** Labels an approved tool removed; applied after `add_labels`, so a declassifying tool's own inputs go too. */
  readonly declassify?: readonly string[];
  /** Tools whose untrusted output entered the agent's context (integrity taint). */
  readonly add_untrusted_sources?: readonly string[];
  /** Hashes of values that untrusted output carried. */
  readonly add_untrusted_values?: readonly string[];
  /** Hashes of values that trusted output carried. */
  readonly add_trusted_values?: readonly string[];
}

/** Classification name -> rank; higher is more sensitive (`data.regent.config.classifications`). */
export type ClassificationRanks = Readonly<Record<string, number>>;

/** Effects checked and normalised: arrays present, deduplicated and sorted. */
export interface NormalizedEffects {
  readonly add_labels: readonly string[];
  readonly add_systems: readonly string[];
  readonly classification: string | null;
  readonly declassify: readonly string[];
  readonly add_untrusted_sources: readonly string[];
  readonly add_untrusted_values: readonly string[];
  readonly add_trusted_values: readonly string[];
}

/** The state of a session nobody has committed to yet. */
export function emptyState(id: string, nowIso: string): SessionState {
  return {
    id,
    labels: [],
    systems: [],
    classification: null,
    steps: 0,
    first_seen: nowIso,
    last_seen: nowIso,
    version: 0,
    untrusted_sources: [],
    untrusted_values: [],
    trusted_values: [],
    untrusted_values_overflow: false,
  };
}

/** Rank of a classification; names missing from the table rank above all known ones (fail closed). */
export function rankOf(name: string, ranks: ClassificationRanks): number {
  return Object.hasOwn(ranks, name) ? (ranks[name] as number) : Infinity;
}

/** The higher of two classifications; on a tie the current one stays, so the result is stable. */
export function maxClassification(
  current: string | null,
  incoming: string | null,
  ranks: ClassificationRanks,
): string | null {
  if (incoming === null) return current;
  if (current === null) return incoming;
  return rankOf(incoming, ranks) > rankOf(current, ranks) ? incoming : current;
}

/** Checks effects (they cross a module boundary untyped at run time) and puts them in canonical form. */
export function normalizeEffects(effects: SessionEffects): NormalizedEffects {
  const classification = effects.classification ?? null;
  if (classification !== null) checkName('classification', classification);
  return {
    add_labels: sortedSet(names('add_labels', effects.add_labels)),
    add_systems: sortedSet(names('add_systems', effects.add_systems)),
    classification,
    declassify: sortedSet(names('declassify', effects.declassify)),
    add_untrusted_sources: sortedSet(names('add_untrusted_sources', effects.add_untrusted_sources)),
    add_untrusted_values: sortedSet(names('add_untrusted_values', effects.add_untrusted_values)),
    add_trusted_values: sortedSet(names('add_trusted_values', effects.add_trusted_values)),
  };
}

/** Applies effects to the flow fields (labels, systems, classification); pure, bookkeeping untouched. */
export function applyEffects(state: SessionState, effects: SessionEffects, ranks: ClassificationRanks): SessionState {
  const e = normalizeEffects(effects);
  const removed = new Set(e.declassify);
  const labels = sortedSet([...state.labels, ...e.add_labels]).filter((label) => !removed.has(label));
  const untrusted = sortedSet([...state.untrusted_values, ...e.add_untrusted_values]);
  return {
    ...state,
    labels,
    systems: sortedSet([...state.systems, ...e.add_systems]),
    classification: maxClassification(state.classification, e.classification, ranks),
    untrusted_sources: sortedSet([...state.untrusted_sources, ...e.add_untrusted_sources]),
    untrusted_values: untrusted.slice(0, MAX_VALUE_HASHES),
    trusted_values: sortedSet([...state.trusted_values, ...e.add_trusted_values]).slice(0, MAX_VALUE_HASHES),
    untrusted_values_overflow: state.untrusted_values_overflow || untrusted.length > MAX_VALUE_HASHES,
  };
}

/** The state a commit stores: effects applied, one more step, `last_seen` now, the given new version. */
export function advanceState(
  state: SessionState,
  effects: SessionEffects,
  ranks: ClassificationRanks,
  nowIso: string,
  version: number,
): SessionState {
  const applied = applyEffects(state, effects, ranks);
  return {
    ...applied,
    steps: state.steps + 1,
    first_seen: state.version === 0 ? nowIso : state.first_seen,
    last_seen: nowIso,
    version,
  };
}

/**
 * Parses a stored record, failing on anything that is not a complete state (never guessing
 * defaults). The integrity fields may be absent: a record written before they existed had no
 * integrity taint, and reads as none.
 */
export function parseState(raw: string): SessionState {
  const value: unknown = JSON.parse(raw);
  if (value === null || typeof value !== 'object') throw new TypeError('stored session is not an object');
  const v = value as Record<string, unknown>;
  const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (
    typeof v['id'] !== 'string' ||
    !isStrings(v['labels']) ||
    !isStrings(v['systems']) ||
    !(v['classification'] === null || typeof v['classification'] === 'string') ||
    !Number.isSafeInteger(v['steps']) ||
    typeof v['first_seen'] !== 'string' ||
    typeof v['last_seen'] !== 'string' ||
    !Number.isSafeInteger(v['version']) ||
    !(v['untrusted_sources'] === undefined || isStrings(v['untrusted_sources'])) ||
    !(v['untrusted_values'] === undefined || isStrings(v['untrusted_values'])) ||
    !(v['trusted_values'] === undefined || isStrings(v['trusted_values'])) ||
    !(v['untrusted_values_overflow'] === undefined || typeof v['untrusted_values_overflow'] === 'boolean')
  ) {
    throw new TypeError('stored session has missing or mistyped fields');
  }
  return {
    id: v['id'],
    labels: sortedSet(v['labels']),
    systems: sortedSet(v['systems']),
    classification: v['classification'],
    steps: v['steps'] as number,
    first_seen: v['first_seen'],
    last_seen: v['last_seen'],
    version: v['version'] as number,
    untrusted_sources: sortedSet(v['untrusted_sources'] ?? []),
    untrusted_values: sortedSet(v['untrusted_values'] ?? []),
    trusted_values: sortedSet(v['trusted_values'] ?? []),
    untrusted_values_overflow: v['untrusted_values_overflow'] === true,
  };
}

/** Sorted (UTF-16 code unit order, as `Array.prototype.sort`) and deduplicated copy. */
export function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function names(field: string, values: readonly string[] | undefined): readonly string[] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw new InvalidSessionEffectsError(`${field} must be an array of strings`);
  const checked: string[] = [];
  for (const value of values as readonly unknown[]) {
    checkName(field, value);
    checked.push(value);
  }
  return checked;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

// Names travel through Redis as UTF-8: a lone surrogate would come back as U+FFFD and no longer
// match, so such names are refused instead of silently changing.
function checkName(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value)) {
    throw new InvalidSessionEffectsError(`${field} must hold non-empty, well-formed strings`);
  }
}
