/**
 * Turns a validated decision request plus regent's own knowledge (session state, detector
 * findings, activity windows) into the policy input of docs/policy-contract.md. Whatever the
 * caller sent as `session` is replaced by the stored state, so a caller cannot forge its history.
 */
import type { DecisionRequest } from './decision-request.ts';
import type { SessionView } from './ports.ts';
import type { TrustNotes } from '../catalogue/resolve.ts';

/** A detector finding as the policy sees it: type and path, never the value. */
export interface DetectedItem {
  type: string;
  path: string;
}

/** Builds the policy input object. */
export function buildInput(
  request: DecisionRequest,
  session: SessionView | undefined,
  detection: { detected: readonly DetectedItem[]; complete: boolean },
  activity: Record<string, unknown> | undefined,
  trust?: TrustNotes,
  phase?: 'action' | 'result',
): Record<string, unknown> {
  const input: Record<string, unknown> = {
    agent: request.agent,
    action: request.action,
    data_flow: request.data_flow ?? {},
    detected: detection.detected,
    detection: { complete: detection.complete },
    context: request.context ?? {},
  };
  if (request.payload !== undefined) input['payload'] = request.payload;
  if (session !== undefined) input['session'] = session;
  if (activity !== undefined) input['activity'] = activity;
  if (trust !== undefined) input['trust'] = trust;
  // Only results are marked: an action's input stays as it was, so recorded inputs replay alike.
  if (phase === 'result') input['phase'] = 'result';
  return input;
}

/** Default lattice, used when the bundle's data does not define `regent.config.classifications`. */
export const DEFAULT_RANKS: Readonly<Record<string, number>> = {
  public: 0,
  internal: 1,
  confidential: 2,
  restricted: 3,
};

/** Rank tables by bundle data object: a revision's data never changes, so each is derived once. */
const ranksByData = new WeakMap<object, Readonly<Record<string, number>>>();

/**
 * The classification ranks the policy data defines, so regent and the policy agree on the
 * lattice. Derived once per revision (the data object), not on every decision.
 */
export function classificationRanks(data: Record<string, unknown>): Readonly<Record<string, number>> {
  let ranks = ranksByData.get(data);
  if (ranks === undefined) {
    ranks = Object.freeze(readRanks(data));
    ranksByData.set(data, ranks);
  }
  return ranks;
}

function readRanks(data: Record<string, unknown>): Record<string, number> {
  const regent = data['regent'] as Record<string, unknown> | undefined;
  const config = regent?.['config'] as Record<string, unknown> | undefined;
  const raw = config?.['classifications'];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ...DEFAULT_RANKS };
  const ranks: Record<string, number> = {};
  for (const [name, rank] of Object.entries(raw)) {
    if (typeof rank === 'number') ranks[name] = rank;
    else if (rank !== null && typeof rank === 'object' && typeof (rank as { rank?: unknown }).rank === 'number') {
      ranks[name] = (rank as { rank: number }).rank;
    }
  }
  return Object.keys(ranks).length > 0 ? ranks : { ...DEFAULT_RANKS };
}

/** The highest of `names` by `ranks`; unknown names rank above everything (fail closed). */
export function highestClassification(
  names: readonly (string | null | undefined)[],
  ranks: Record<string, number>,
): string | null {
  let best: string | null = null;
  let bestRank = -Infinity;
  for (const name of names) {
    if (name === null || name === undefined) continue;
    const rank = Object.hasOwn(ranks, name) ? (ranks[name] as number) : Infinity;
    if (rank > bestRank) {
      best = name;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * Whether an action is a read at or above the classification the policy's burst rule watches
 * (`activity.restricted_read_burst.classification`, else the top of the lattice), judged the way
 * the policy judges it: declared classifications, the classifications of the labels involved, and
 * the resource system's default. Unknown names count as restricted (the safe direction).
 */
export function isRestrictedRead(request: DecisionRequest, data: Record<string, unknown>): boolean {
  if (request.action.kind !== 'read') return false;
  const config = ((data['regent'] as Record<string, unknown> | undefined)?.['config'] ?? {}) as {
    activity?: { restricted_read_burst?: { classification?: unknown } };
    labels?: Record<string, { classification?: unknown } | undefined>;
    systems?: Record<string, { classification?: unknown } | undefined>;
  };
  const ranks = classificationRanks(data);
  const watched = config.activity?.restricted_read_burst?.classification;
  const top = Math.max(...Object.values(ranks));
  const threshold = typeof watched === 'string' && Object.hasOwn(ranks, watched) ? (ranks[watched] as number) : top;
  const resource = request.action.resource;
  const sources = request.data_flow?.sources ?? [];
  const labels = [...(resource?.labels ?? []), ...sources.flatMap((s) => s.labels ?? [])];
  const lookup = (table: Record<string, { classification?: unknown } | undefined> | undefined, key: string) => {
    const c = table !== undefined && Object.hasOwn(table, key) ? table[key]?.classification : undefined;
    return typeof c === 'string' ? c : undefined;
  };
  const names = [
    resource?.classification,
    ...sources.map((s) => s.classification),
    ...labels.map((l) => lookup(config.labels, l) ?? l),
    resource?.system === undefined ? undefined : lookup(config.systems, resource.system),
  ];
  return names.some((n) => n !== undefined && (Object.hasOwn(ranks, n) ? (ranks[n] as number) : Infinity) >= threshold);
}
