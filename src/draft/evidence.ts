/**
 * Evidence behind every line of a draft: how many decisions, the first and last seen, the ids of
 * the decisions (the first few; for a trace, `<trace id>/<span id>`), so a reviewer can look each
 * one up, and the sources they came from (the audit trail, a decision log, traces).
 */
import { sourceOf, type ObservedRecord } from './source.ts';

/** How many decision ids a piece of evidence lists (the count is always exact). */
export const MAX_IDS = 10;

/** What backs one observed fact. */
export interface Evidence {
  count: number;
  first_seen: string;
  last_seen: string;
  decision_ids: string[];
  /** Where the decisions were read (e.g. `audit trail`, `regent decision log (with input)`). */
  sources: string[];
}

/** A fresh piece of evidence from one record. */
export function evidenceOf(record: ObservedRecord): Evidence {
  return {
    count: 1,
    first_seen: record.time,
    last_seen: record.time,
    decision_ids: [record.decision_id],
    sources: [sourceOf(record)],
  };
}

/** Adds `record` to the evidence kept under `key` in `map`. */
export function note<K>(map: Map<K, Evidence>, key: K, record: ObservedRecord): Evidence {
  const found = map.get(key);
  if (found === undefined) {
    const fresh = evidenceOf(record);
    map.set(key, fresh);
    return fresh;
  }
  found.count += 1;
  if (record.time < found.first_seen) found.first_seen = record.time;
  if (record.time > found.last_seen) found.last_seen = record.time;
  if (found.decision_ids.length < MAX_IDS) found.decision_ids.push(record.decision_id);
  const source = sourceOf(record);
  if (!found.sources.includes(source)) found.sources.push(source);
  return found;
}

/** The largest number of `times` (ms, any order) inside one window of `windowMs`. */
export function peakInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
