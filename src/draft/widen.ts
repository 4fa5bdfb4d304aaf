/**
 * `regent draft --widen reads`: grants beyond observation, opt-in, each with the evidence it
 * rests on. Without a widening a draft grants only what was observed (draft.ts); with `reads` it
 * may also grant a tool the catalogue defines as a read and nothing else, of a system the agent
 * was seen reading with an allowed read in the period, when the tool declares no output label or
 * classification beyond what the observed reads of that system declare. Never a write, send,
 * delete or execute (nor a tool with any of those among its kinds), never a tool of a system only
 * written to, never a tool the period shows refused. Record 022 says why.
 *
 * Imports the draft's catalogue view, evidence and observation; nothing of the server.
 */
import { resourceRank, type CatalogueView } from './catalogue-view.ts';
import type { Evidence } from './evidence.ts';
import type { AgentObservation } from './observe.ts';

/** The widenings `regent draft --widen` accepts. */
export const WIDENINGS = ['reads'] as const;
/** One of {@link WIDENINGS}. */
export type Widening = (typeof WIDENINGS)[number];

/** An observed allowed read a widened grant rests on. */
export interface ObservedRead {
  tool: string;
  evidence: Evidence;
}

/** A tool granted although no decision of the period used it, and why. */
export interface WidenedGrant {
  tool: string;
  /** The catalogue's kinds of the tool: always exactly `read`. */
  kinds: string[];
  /** The catalogue's system of the tool, the one the agent was seen reading. */
  system: string;
  /** Always false: nothing in the period used this tool. */
  observed: false;
  /** The widening that granted it. */
  widening: Widening;
  /** The allowed reads of `system` seen in the period, each with its evidence. */
  rests_on: ObservedRead[];
}

/** A read of a system the agent read that the widening did not grant, and why. */
export interface HeldBack {
  tool: string;
  system: string;
  reason: string;
}

/** What `--widen reads` adds for one agent, and what it held back. */
export interface ReadWidening {
  grants: WidenedGrant[];
  held_back: HeldBack[];
}

/** Whether the catalogue defines `tool` as a read and nothing else. */
function onlyRead(view: CatalogueView, tool: string): boolean {
  const kinds = view.tools[tool]?.kinds ?? [];
  return kinds.length > 0 && kinds.every((k) => k === 'read');
}

/** What a tool's output is declared to carry: its labels and the rank of labels and classification. */
function declared(view: CatalogueView, tool: string): { labels: string[]; rank: number } {
  const returns = view.tools[tool]?.returns;
  const labels = returns?.labels ?? [];
  return { labels, rank: resourceRank(view, { labels, classification: returns?.classification ?? null }) };
}

/**
 * The reads `o`'s agent may be granted beyond observation: every read-only tool of a system it
 * was seen reading with an allowed read, other than those in `granted` (the observed tools).
 */
export function widenReads(o: AgentObservation, view: CatalogueView, granted: ReadonlySet<string>): ReadWidening {
  // The systems read, by the catalogue's system of each allowed read's tool (never the system a
  // caller named in its request), with the reads that show it.
  const bySystem = new Map<string, ObservedRead[]>();
  for (const [tool, evidence] of [...o.allowedReads].sort(([a], [b]) => a.localeCompare(b))) {
    const def = view.tools[tool];
    if (def?.system === undefined || !(def.kinds ?? []).includes('read')) continue;
    bySystem.set(def.system, [...(bySystem.get(def.system) ?? []), { tool, evidence }]);
  }
  const refused = new Set([...o.denied.values()].map((d) => d.tool));
  const grants: WidenedGrant[] = [];
  const heldBack: HeldBack[] = [];
  for (const [system, reads] of [...bySystem].sort(([a], [b]) => a.localeCompare(b))) {
    const seenLabels = new Set(reads.flatMap((r) => declared(view, r.tool).labels));
    const seenRank = Math.max(...reads.map((r) => declared(view, r.tool).rank));
    const candidates = Object.keys(view.tools)
      .filter((t) => view.tools[t]?.system === system && !granted.has(t) && onlyRead(view, t))
      .sort();
    for (const tool of candidates) {
      const out = declared(view, tool);
      const newLabels = out.labels.filter((l) => !seenLabels.has(l));
      let reason: string | null = null;
      if (refused.has(tool)) reason = 'asked for and refused in the period: a refused ask is never granted';
      else if (newLabels.length > 0)
        reason = `its output is declared to carry ${newLabels.join(', ')}, which no observed read of ${system} declares`;
      else if (out.rank > seenRank)
        reason = `its output is declared more highly classified than any observed read of ${system}`;
      if (reason !== null) heldBack.push({ tool, system, reason });
      else grants.push({ tool, kinds: ['read'], system, observed: false, widening: 'reads', rests_on: reads });
    }
  }
  return { grants, held_back: heldBack };
}
