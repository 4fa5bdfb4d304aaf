/**
 * What one agent was seen doing in a period, from its decision records: which records may grant
 * (allowed or redacted actions; a result-phase record only for what a read returned) and what
 * they showed, with evidence. Denied and escalated asks are kept apart and never grant.
 */
import { lacks, type Gap, type ObservedRecord } from './source.ts';
import { resourceRank, type CatalogueView } from './catalogue-view.ts';
import { note, peakInWindow, type Evidence } from './evidence.ts';

/** A send that went out: where, to which audience, carrying which labels. */
export interface ObservedFlow {
  system: string;
  id: string | null;
  audience: string | null;
  labels: string[];
  classification: string | null;
  /** False when the source could not show every label that moved (no input, or traces). */
  labels_complete: boolean;
  evidence: Evidence;
}

/** An ask the policy refused (deny) or held for a person (escalate): listed, never granted. */
export interface DeniedAsk {
  tool: string;
  kind: string;
  target: string | null;
  decision: 'deny' | 'escalate';
  reason_codes: string[];
  evidence: Evidence;
}

/** An allow an agent in observe mode got where the enforced policy would have said otherwise. */
export interface ObservedOverride {
  tool: string;
  kind: string;
  target: string | null;
  would_have_been: string;
  reason_codes: string[];
  evidence: Evidence;
}

/** Everything seen of one agent in the period. */
export interface AgentObservation {
  agent: string;
  decisions: number;
  tools: Map<string, Evidence>;
  kinds: Map<string, Evidence>;
  /**
   * Per tool, its allowed or redacted calls made as reads, from sources that show a verdict
   * (traces show only that a tool ran): the evidence `--widen reads` may rest on.
   */
  allowedReads: Map<string, Evidence>;
  systemsRead: Map<string, Evidence>;
  resourcesRead: Map<string, Evidence>;
  flows: Map<string, ObservedFlow>;
  principals: Map<string, Evidence>;
  denied: Map<string, DeniedAsk>;
  overrides: Map<string, ObservedOverride>;
  peaks: { decisions: number; restricted_reads: number; restricted_reads_per_principal: number };
  /** What the source could not show about this agent's records of the period. */
  gaps: Set<Gap>;
}

const GRANTING = new Set(['allow', 'redact']);

/** Observes `records` (one agent's, oldest first, already limited to the period). */
export function observeAgent(
  agent: string,
  records: ObservedRecord[],
  view: CatalogueView,
  windowMs: number,
): AgentObservation {
  const o: AgentObservation = {
    agent,
    decisions: 0,
    tools: new Map(),
    kinds: new Map(),
    allowedReads: new Map(),
    systemsRead: new Map(),
    resourcesRead: new Map(),
    flows: new Map(),
    principals: new Map(),
    denied: new Map(),
    overrides: new Map(),
    peaks: { decisions: 0, restricted_reads: 0, restricted_reads_per_principal: 0 },
    gaps: new Set(),
  };
  const burst = view.activity?.restricted_read_burst?.classification;
  const burstRank = burst === undefined ? Infinity : (view.classifications[burst] ?? Infinity);
  const actionTimes: number[] = [];
  const restrictedTimes: number[] = [];
  const restrictedByPrincipal = new Map<string, number[]>();
  // What each session had read so far: what a later send from that session carries.
  const sessionHeld = new Map<string, { labels: Set<string>; rank: number }>();
  for (const r of records) {
    for (const g of r.gaps ?? []) o.gaps.add(g);
    const result = r.phase === 'result';
    // A result-phase record is what a tool returned: it may only tell what a read read.
    if (result && r.kind !== 'read') continue;
    const resource = r.data_flow.resource;
    const target = targetOf(r);
    if (!GRANTING.has(r.decision)) {
      if (result) continue;
      const key = `${r.tool}\u0000${r.kind}\u0000${target ?? ''}\u0000${r.decision}`;
      const ev = note(new Map(), key, r);
      const ask = o.denied.get(key);
      if (ask === undefined)
        o.denied.set(key, {
          tool: r.tool,
          kind: r.kind,
          target,
          decision: r.decision as 'deny' | 'escalate',
          reason_codes: [...r.reason_codes],
          evidence: ev,
        });
      else {
        note(new Map([[key, ask.evidence]]), key, r);
        for (const c of r.reason_codes) if (!ask.reason_codes.includes(c)) ask.reason_codes.push(c);
      }
      continue;
    }
    if (r.kind === 'read' && resource !== null) {
      const system = resource.system ?? view.tools[r.tool]?.system ?? null;
      if (system !== null) {
        note(o.systemsRead, system, r);
        if (resource.id !== null) note(o.resourcesRead, `${system}/${resource.id}`, r);
      }
      if (r.session !== null) {
        const held = sessionHeld.get(r.session.id) ?? { labels: new Set<string>(), rank: -1 };
        for (const l of resource.labels) held.labels.add(l);
        held.rank = Math.max(held.rank, resourceRank(view, resource));
        sessionHeld.set(r.session.id, held);
      }
    }
    if (result) continue;
    o.decisions += 1;
    actionTimes.push(Date.parse(r.time));
    note(o.tools, r.tool, r);
    note(o.kinds, `${r.tool}\u0000${r.kind}`, r);
    if (r.kind === 'read' && !lacks(r, 'verdict')) note(o.allowedReads, r.tool, r);
    if (r.agent.on_behalf_of !== null) note(o.principals, r.agent.on_behalf_of, r);
    if (r.observed !== undefined) {
      const key = `${r.tool}\u0000${r.kind}\u0000${target ?? ''}`;
      const found = o.overrides.get(key);
      if (found === undefined)
        o.overrides.set(key, {
          tool: r.tool,
          kind: r.kind,
          target,
          would_have_been: r.observed.decision,
          reason_codes: [...r.observed.reason_codes],
          evidence: note(new Map(), key, r),
        });
      else note(new Map([[key, found.evidence]]), key, r);
    }
    if (r.kind === 'read' && resourceRank(view, resource) >= burstRank) {
      const t = Date.parse(r.time);
      restrictedTimes.push(t);
      if (r.agent.on_behalf_of !== null)
        restrictedByPrincipal.set(r.agent.on_behalf_of, [
          ...(restrictedByPrincipal.get(r.agent.on_behalf_of) ?? []),
          t,
        ]);
    }
    const dest = r.data_flow.destination;
    if (r.kind === 'send' && dest !== null && dest.system !== null) {
      const id = dest.id ?? null;
      const key = `${dest.system}\u0000${id ?? ''}\u0000${dest.audience ?? ''}`;
      const held = r.session === null ? undefined : sessionHeld.get(r.session.id);
      const labels = new Set<string>([...(held?.labels ?? []), ...r.data_flow.sources.flatMap((s) => s.labels)]);
      const rank = Math.max(held?.rank ?? -1, ...r.data_flow.sources.map((s) => resourceRank(view, s)));
      const flow = o.flows.get(key);
      if (flow === undefined)
        o.flows.set(key, {
          system: dest.system,
          id,
          audience: dest.audience,
          labels: [...labels].sort(),
          classification: levelOf(view, rank),
          labels_complete: true,
          evidence: note(new Map(), key, r),
        });
      else {
        note(new Map([[key, flow.evidence]]), key, r);
        flow.labels = [...new Set([...flow.labels, ...labels])].sort();
        flow.classification = levelOf(view, Math.max(rank, view.classifications[flow.classification ?? ''] ?? -1));
      }
    }
  }
  o.peaks.decisions = peakInWindow(actionTimes, windowMs);
  o.peaks.restricted_reads = peakInWindow(restrictedTimes, windowMs);
  for (const times of restrictedByPrincipal.values())
    o.peaks.restricted_reads_per_principal = Math.max(
      o.peaks.restricted_reads_per_principal,
      peakInWindow(times, windowMs),
    );
  return o;
}

/** What an action acted on, as `system/id` (a read's or write's resource, a send's destination). */
export function targetOf(r: ObservedRecord): string | null {
  const dest = r.data_flow.destination;
  if (r.kind === 'send' && dest !== null && dest.system !== null) return `${dest.system}/${dest.id ?? '?'}`;
  const res = r.data_flow.resource;
  if (res !== null && res.id !== null) return `${res.system ?? '?'}/${res.id}`;
  return null;
}

function levelOf(view: CatalogueView, rank: number): string | null {
  for (const [name, r] of Object.entries(view.classifications)) if (r === rank) return name;
  return null;
}
