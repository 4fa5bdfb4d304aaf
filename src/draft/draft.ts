/**
 * `regent draft`, the logic: from the decision records of a period, a least-privilege draft per
 * agent as a fragment of the catalogue (data.regent.config, the keys of data.json), with the
 * evidence behind every grant, the asks that were denied, and what is granted but went unused.
 *
 * Owns src/draft/; imports the audit trail's record types and readers, nothing of the server.
 * Sources (src/draft/source.ts): the audit trail (trail.ts), a decision log (decision-log.ts),
 * OpenTelemetry traces (otel.ts), each read into records in the trail's shape.
 * A draft never names more than was observed: every tool, destination entry and ceiling comes
 * from allowed or redacted decisions of the period, never a wildcard, never a denied ask. What a
 * source could not show narrows the draft (no destination entry, no ceiling) or is reported.
 * The one exception is asked for by name (`widen`, widen.ts): its grants go to a role of their
 * own, `<agent>-widened-reads`, and are listed apart with the evidence they rest on.
 */
import { catalogueView, grantedTools, type CatalogueView } from './catalogue-view.ts';
import { MAX_IDS, type Evidence } from './evidence.ts';
import { applyMergePatch, createMergePatch, type Json } from './merge-patch.ts';
import {
  observeAgent,
  type AgentObservation,
  type DeniedAsk,
  type ObservedFlow,
  type ObservedOverride,
} from './observe.ts';
import { widenReads, type HeldBack, type WidenedGrant, type Widening } from './widen.ts';
import { lacks, type ObservedRecord, type SourceReport } from './source.ts';

/** What to draft from. */
export interface DraftOptions {
  /** Inclusive start of the period (ISO 8601); the first record's time when absent. */
  since?: string;
  /** Exclusive end of the period (ISO 8601). */
  until?: string;
  /** Draft only this agent. */
  agent?: string;
  /** Headroom over an observed peak, as a fraction (0.5 for 50%). */
  headroom: number;
  /** The activity window the peaks are measured in (REGENT_ACTIVITY_WINDOW_SECONDS). */
  windowSeconds: number;
  /** Grants beyond observation, asked for by name (widen.ts); none when absent: observed only. */
  widen?: readonly Widening[];
}

/** Something granted that nothing used in the period, with what the trail knows of earlier use. */
export interface Unused {
  kind: 'role' | 'tool' | 'destination';
  name: string;
  /** Uses before the period, if the trail holds any. */
  before_period: Evidence | null;
}

/** The draft of one agent, as the report shows it. */
export interface AgentDraft {
  agent: string;
  role: string;
  decisions: number;
  tools: { tool: string; kinds: string[]; evidence: Evidence }[];
  /** Tools granted although nothing in the period used them (only with a widening), in role `widened_role`. */
  beyond_observation: WidenedGrant[];
  /** The role holding `beyond_observation`, or null when there is none. */
  widened_role: string | null;
  /** Tools a widening considered and did not grant, and why. */
  widening_held_back: HeldBack[];
  systems_read: Record<string, Evidence>;
  resources_read: Record<string, Evidence>;
  flows: ObservedFlow[];
  principals: Record<string, Evidence>;
  ceilings: {
    window_seconds: number;
    headroom: number;
    peak_decisions: number;
    peak_restricted_reads: number;
    peak_restricted_reads_per_principal: number;
    /** Null when the source could not show which reads were restricted. */
    restricted_reads_ceiling: number | null;
  };
  denied: DeniedAsk[];
  observe_mode_overrides: ObservedOverride[];
  unused: Unused[];
  /** Things seen that the draft could not grant (unknown to the catalogue, a failed execution), and why. */
  not_granted: string[];
  /** What this agent's records could not show, where it bears on the lines above. */
  limits: string[];
}

/** Everything `regent draft` produces. */
export interface Draft {
  period: { since: string | null; until: string | null };
  /** The catalogue fragment: merge it into data.json. */
  fragment: Record<string, Json>;
  /** The JSON merge patch (RFC 7396) from the active configuration to the drafted one. */
  diff: Json;
  /** The active configuration with the diff applied. */
  merged: Json;
  agents: AgentDraft[];
  /** What the draft left as it was, and why. */
  notes: string[];
  /** What was read, and what the source could not show. */
  source?: SourceReport;
  /** The widenings asked for (empty: every grant was observed). */
  widen: Widening[];
}

/** Builds the draft of `records` (every decision record up to `until`, any order) against `config`. */
export function buildDraft(
  records: readonly ObservedRecord[],
  config: Json,
  options: DraftOptions,
  source?: SourceReport,
): Draft {
  const view = catalogueView(config);
  const sinceMs = options.since === undefined ? -Infinity : Date.parse(options.since);
  const untilMs = options.until === undefined ? Infinity : Date.parse(options.until);
  const byAgent = new Map<string, ObservedRecord[]>();
  const before = new Map<string, ObservedRecord[]>();
  // Oldest first (the sort is stable: a trail, already in order, stays as it is).
  const timed = records.map((r) => ({ r, t: Date.parse(r.time) })).sort((a, b) => a.t - b.t);
  for (const { r, t } of timed) {
    if (options.agent !== undefined && r.agent.id !== options.agent) continue;
    if (t >= untilMs) continue;
    const into = t >= sinceMs ? byAgent : before;
    const list = into.get(r.agent.id);
    if (list === undefined) into.set(r.agent.id, [r]);
    else list.push(r);
  }
  const fragment: Record<string, Json> = {};
  const agents: AgentDraft[] = [];
  const notes: string[] = [];
  const windowMs = options.windowSeconds * 1000;
  let peak = 0;
  let blind = 0;
  for (const [agent, list] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const o = observeAgent(agent, list, view, windowMs);
    const earlier = observeAgent(agent, before.get(agent) ?? [], view, windowMs);
    const draft = draftAgent(o, earlier, view, options, source?.not_granted[agent] ?? []);
    agents.push(draft);
    if (view.agents[agent] === undefined) continue;
    blind += list.filter(hidesRestrictedReads).length;
    peak = Math.max(peak, o.peaks.restricted_reads, o.peaks.restricted_reads_per_principal);
    const roles = draft.widened_role === null ? [draft.role] : [draft.role, draft.widened_role];
    merge(fragment, { agents: { [agent]: { roles } } });
    merge(fragment, { roles: { [draft.role]: { tools: draft.tools.map((t) => t.tool) } } });
    if (draft.widened_role !== null) merge(fragment, { roles: { [draft.widened_role]: widenedRole(draft) } });
    for (const flow of draft.flows) {
      const entry = destinationEntry(view, flow);
      if (entry !== null) merge(fragment, entry);
    }
  }
  // The burst limit is one for every agent: only a draft of all agents may set it, and only from
  // a period whose every record shows what it read (a peak over part of the reads is no peak).
  const current = view.activity?.restricted_read_burst?.max_reads;
  if (options.agent === undefined && agents.length > 0 && current !== undefined) {
    if (blind > 0)
      notes.push(
        `restricted-read ceiling not drafted: ${blind} records of the period cannot show which reads were restricted; it stays ${current}`,
      );
    else
      merge(fragment, {
        activity: { restricted_read_burst: { max_reads: Math.min(current, ceiling(peak, options.headroom)) } },
      });
  }
  const merged = applyMergePatch(config, fragment);
  return {
    period: { since: options.since ?? null, until: options.until ?? null },
    fragment,
    diff: createMergePatch(config, merged) ?? {},
    merged,
    agents,
    notes,
    ...(source === undefined ? {} : { source }),
    widen: [...(options.widen ?? [])],
  };
}

/**
 * The role of an agent's widened grants, its description saying in the configuration itself that
 * none of them was observed and what each rests on (the report has the decision ids).
 */
function widenedRole(draft: AgentDraft): Record<string, Json> {
  const systems = new Map(draft.beyond_observation.map((g) => [g.system, g.rests_on.map((r) => r.tool)]));
  const basis = [...systems].map(([system, reads]) => `${system} (seen: ${reads.join(', ')})`).join('; ');
  return {
    description:
      `NOT OBSERVED: granted by regent draft --widen reads, reads of systems ${draft.agent} was seen reading: ` +
      `${basis}. Evidence in the draft's report; remove a tool, or this role, to keep only what was observed.`,
    tools: draft.beyond_observation.map((g) => g.tool),
  };
}

/** A record whose source could not show whether it was a restricted read. */
function hidesRestrictedReads(r: ObservedRecord): boolean {
  return lacks(r, 'data_flow') || lacks(r, 'sampled');
}

/** A peak with headroom, rounded up, at least 1. */
export function ceiling(peak: number, headroom: number): number {
  return Math.max(1, Math.ceil(peak * (1 + headroom)));
}

function draftAgent(
  o: AgentObservation,
  earlier: AgentObservation,
  view: CatalogueView,
  options: DraftOptions,
  sourceNotGranted: readonly string[],
): AgentDraft {
  const role = `${o.agent}-observed`;
  const notGranted: string[] = [];
  const limits: string[] = [];
  if (view.agents[o.agent] === undefined)
    notGranted.push(`agent '${o.agent}' is not in the agent registry (agents): nothing drafted`);
  notGranted.push(...sourceNotGranted);
  const blindFlows = o.gaps.has('data_flow') || o.gaps.has('destination');
  const blindReads = o.gaps.has('data_flow') || o.gaps.has('sampled');
  if (blindFlows)
    limits.push('some sends of the period show no destination: unused destination entries are not listed');
  if (o.flows.size > 0 && (o.gaps.has('data_flow') || o.gaps.has('labels')))
    limits.push('the labels listed for each destination are only those the source showed; more may have moved');
  if (blindReads) limits.push('which reads were restricted is not known: no ceiling is drafted for this agent');
  if (o.gaps.has('sampled'))
    limits.push('the source may be a sample: a role, tool or destination listed as unused may still be in use');
  if (o.gaps.has('observe_mode') && o.overrides.size === 0)
    limits.push('the source does not carry observe mode: allows the policy would have refused cannot be listed apart');
  const tools: AgentDraft['tools'] = [];
  for (const [tool, evidence] of [...o.tools].sort(([a], [b]) => a.localeCompare(b))) {
    const kinds = [...o.kinds.keys()]
      .filter((k) => k.startsWith(`${tool}\u0000`))
      .map((k) => k.split('\u0000')[1] as string);
    if (view.tools[tool] === undefined) {
      notGranted.push(`tool '${tool}' is not defined in tools: define it before granting it`);
      continue;
    }
    tools.push({ tool, kinds: kinds.sort(), evidence });
  }
  const widened =
    options.widen?.includes('reads') === true && view.agents[o.agent] !== undefined
      ? widenReads(o, view, new Set(tools.map((t) => t.tool)))
      : { grants: [], held_back: [] };
  const granted = grantedTools(view, o.agent);
  const unused: Unused[] = [];
  for (const r of view.agents[o.agent]?.roles ?? []) {
    const used = (view.roles[r]?.tools ?? []).some((t) => o.tools.has(t));
    if (!used) unused.push({ kind: 'role', name: r, before_period: merged(earlier, view.roles[r]?.tools ?? []) });
  }
  for (const tool of [...granted.keys()].sort())
    if (!o.tools.has(tool)) unused.push({ kind: 'tool', name: tool, before_period: earlier.tools.get(tool) ?? null });
  const sendSystems = new Set(
    [...granted.keys()].filter((t) => view.tools[t]?.kinds?.includes('send')).map((t) => view.tools[t]?.system),
  );
  for (const [system, d] of Object.entries(view.destinations?.systems ?? {})) {
    if (blindFlows || !sendSystems.has(system)) continue;
    for (const id of Object.keys(d.entries ?? {}).sort()) {
      const sent = (obs: AgentObservation) => [...obs.flows.values()].filter((f) => f.system === system && f.id === id);
      if (sent(o).length > 0) continue;
      const prior = sent(earlier);
      unused.push({
        kind: 'destination',
        name: `${system}/${id}`,
        before_period: prior.length === 0 ? null : sumEvidence(prior.map((f) => f.evidence)),
      });
    }
  }
  return {
    agent: o.agent,
    role,
    decisions: o.decisions,
    tools,
    beyond_observation: widened.grants,
    widened_role: widened.grants.length === 0 ? null : `${o.agent}-widened-reads`,
    widening_held_back: widened.held_back,
    systems_read: Object.fromEntries(o.systemsRead),
    resources_read: Object.fromEntries(o.resourcesRead),
    flows: [...o.flows.values()].map((f) => ({
      ...f,
      labels_complete: !(o.gaps.has('data_flow') || o.gaps.has('labels')),
    })),
    principals: Object.fromEntries(o.principals),
    ceilings: {
      window_seconds: options.windowSeconds,
      headroom: options.headroom,
      peak_decisions: o.peaks.decisions,
      peak_restricted_reads: o.peaks.restricted_reads,
      peak_restricted_reads_per_principal: o.peaks.restricted_reads_per_principal,
      restricted_reads_ceiling: blindReads
        ? null
        : ceiling(Math.max(o.peaks.restricted_reads, o.peaks.restricted_reads_per_principal), options.headroom),
    },
    denied: [...o.denied.values()],
    observe_mode_overrides: [...o.overrides.values()],
    unused,
    not_granted: notGranted,
    limits,
  };
}

function merged(o: AgentObservation, tools: string[]): Evidence | null {
  return sumEvidence(tools.flatMap((t) => (o.tools.has(t) ? [o.tools.get(t) as Evidence] : [])));
}

function sumEvidence(list: Evidence[]): Evidence | null {
  if (list.length === 0) return null;
  return {
    count: list.reduce((n, e) => n + e.count, 0),
    first_seen: list.map((e) => e.first_seen).sort()[0] as string,
    last_seen: list
      .map((e) => e.last_seen)
      .sort()
      .at(-1) as string,
    decision_ids: list.flatMap((e) => e.decision_ids).slice(0, MAX_IDS),
    sources: [...new Set(list.flatMap((e) => e.sources))],
  };
}

/**
 * The directory entry a send observed: only for a named channel of a system judged by its
 * entries (not by recipients), only when the directory does not list it yet, and with the
 * audience regent resolved for it (never broader than the directory's default).
 */
function destinationEntry(view: CatalogueView, flow: ObservedFlow): Record<string, Json> | null {
  if (flow.id === null || flow.audience === null || view.audiences[flow.audience] === undefined) return null;
  if (view.systems[flow.system] === undefined) return null;
  const system = view.destinations?.systems?.[flow.system];
  if (system?.addressed_by === 'recipients') return null;
  if (system?.entries?.[flow.id] !== undefined) return null;
  return { destinations: { systems: { [flow.system]: { entries: { [flow.id]: flow.audience } } } } };
}

function merge(into: Record<string, Json>, patch: Record<string, Json>): void {
  Object.assign(into, applyMergePatch(into, patch));
}
