/**
 * Turns a validated decision request plus regent's own knowledge (session state, detector
 * findings, activity windows) into the policy input of docs/policy-contract.md. Whatever the
 * caller sent as `session` is replaced by the stored state, so a caller cannot forge its history.
 */
import type { DecisionRequest } from './decision-request.ts';
import type { SessionView } from './ports.ts';

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
  return input;
}

/** Default lattice, used when the bundle's data does not define `regent.config.classifications`. */
export const DEFAULT_RANKS: Readonly<Record<string, number>> = {
  public: 0,
  internal: 1,
  confidential: 2,
  restricted: 3,
};

/** Reads the classification ranks the policy data defines, so regent and the policy agree on the lattice. */
export function classificationRanks(data: Record<string, unknown>): Record<string, number> {
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
