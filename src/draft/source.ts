/**
 * What a draft is made from, whatever the source (the audit trail, a decision log, traces): one
 * observed tool call per record, in the audit record's shape, with the source it came from and
 * what that source could not show about it. A gap only ever narrows the draft or is reported; it
 * never lets the draft grant more than the record shows.
 */
import type { DataFlowSummary, DecisionRecord } from '../audit/record.ts';

/** The sources `regent draft --from` reads. */
export const SOURCES = ['trail', 'decision-log', 'otel'] as const;
/** One of {@link SOURCES}. */
export type SourceName = (typeof SOURCES)[number];

/**
 * What a source could not show about one record:
 * - `data_flow`: no resource, sources or destination (a decision logged without its input);
 * - `destination`: a send whose destination could not be identified;
 * - `labels`: the labels and classification of what moved;
 * - `phase`: whether it was the call or the check of its result (POST /v1/results);
 * - `observe_mode`: what observe mode let through that the policy would have refused;
 * - `principal`: on whose behalf the agent acted;
 * - `verdict`: no decision at all, only that the tool ran (traces);
 * - `sampled`: the source may hold a sample, so counts and peaks are lower bounds (traces).
 */
export type Gap =
  'data_flow' | 'destination' | 'labels' | 'phase' | 'observe_mode' | 'principal' | 'verdict' | 'sampled';

/** One observed decision (or tool execution), as the draft reads it. */
export type ObservedRecord = Pick<
  DecisionRecord,
  'decision_id' | 'time' | 'agent' | 'session' | 'tool' | 'kind' | 'decision' | 'reason_codes' | 'phase' | 'observed'
> & {
  data_flow: Pick<DataFlowSummary, 'resource' | 'sources' | 'destination'>;
  /** The source and its form, e.g. `regent decision log (with input)`; the audit trail when absent. */
  source?: string;
  /** What the source could not show about this record. */
  gaps?: readonly Gap[];
};

/** What was read from a source, and what it could and could not show. */
export interface SourceReport {
  from: SourceName;
  location: string;
  /** Records read, by the form they came in (e.g. `OPA decision log (no input)`). */
  forms: Record<string, number>;
  /** Lines, events or spans left out, by why. */
  skipped: Record<string, number>;
  /** What the source could not show, and what the draft did about it. */
  cannot_show: string[];
  /** Identities in the source are the agents' own claims (traces), not verified by regent. */
  unverified: boolean;
  /** Per agent, what was seen but not granted because of how the source saw it. */
  not_granted: Record<string, string[]>;
}

/** A source read: its records (any order) and its report. */
export interface SourceRead {
  records: ObservedRecord[];
  report: SourceReport;
}

/** The label of a record's source, for evidence. */
export function sourceOf(record: ObservedRecord): string {
  return record.source ?? 'audit trail';
}

/** Whether `record` lacks `gap`. */
export function lacks(record: ObservedRecord, gap: Gap): boolean {
  return record.gaps?.includes(gap) ?? false;
}

/** Counts a skipped item under `why`. */
export function skip(report: SourceReport, why: string): void {
  report.skipped[why] = (report.skipped[why] ?? 0) + 1;
}

/** An empty report for `from` at `location`. */
export function emptyReport(from: SourceName, location: string, unverified = false): SourceReport {
  return { from, location, forms: {}, skipped: {}, cannot_show: [], unverified, not_granted: {} };
}

/** What each gap means for the draft, said once per source with how many records had it. */
const GAP_TEXT: Record<Gap, string> = {
  data_flow:
    'carry no input (regent logged them without REGENT_DECISION_LOG_INPUTS, or the OPA event erased /input): ' +
    'no resource, sources or destination. Their tools are drafted; no system or resource read, no destination ' +
    'entry, no labels sent and no restricted-read ceiling come from them, and unused destination entries are not listed',
  destination:
    'are sends whose destination no argument named as an entry of the destination directory: no destination is ' +
    'drafted or reported for them, and unused destination entries are not listed',
  labels:
    'show no labels or classification of what moved (reads are labelled only from the tool\u2019s `returns` in the ' +
    'catalogue); audiences are known only for destinations named in the directory',
  phase:
    'cannot tell a tool call from the check of its result (POST /v1/results): an allowed result check of a read ' +
    'counts here as a use of the read tool',
  observe_mode:
    'do not carry what observe mode let through: allows the policy would have refused are granted as the trail ' +
    'would, but not listed apart',
  principal: 'show no principal the agent acted for: principals and per-principal peaks are not reported',
  verdict:
    'show that a tool ran, not that a policy allowed it: nothing was denied or escalated, and the kind of each call ' +
    'is the one the catalogue defines for the tool',
  sampled:
    'may be a sample: counts and peaks are lower bounds, the restricted-read ceiling is not drafted, and a grant ' +
    'not seen may still be in use',
};

/** Adds one `cannot_show` line per gap the records have, with how many records had it. */
export function describeGaps(report: SourceReport, records: readonly ObservedRecord[]): void {
  const counts = new Map<Gap, number>();
  for (const r of records) for (const g of r.gaps ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  for (const gap of Object.keys(GAP_TEXT) as Gap[]) {
    const n = counts.get(gap);
    if (n !== undefined) report.cannot_show.push(`${n} of ${records.length} records ${GAP_TEXT[gap]}.`);
  }
}
