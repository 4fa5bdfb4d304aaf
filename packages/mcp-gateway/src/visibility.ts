/**
 * Which tools `tools/list` shows an agent: the mapped tools regent does not refuse to the agent
 * outright. regent has no side-effect-free capability query, so the gateway asks one batch of
 * probe decisions, one per mapped tool (its regent tool and kind, empty arguments, no session),
 * and hides a tool whose probe is denied with `agent.unknown`, `tool.unknown`, `tool.not_allowed`
 * or `tool.kind_mismatch`. Any other answer (a flow or activity rule, an allow) shows it: the call
 * itself is still decided. A probe batch that fails (regent down) shows nothing: fail closed.
 * Probes are decisions: they are audited and count in the agent's activity window, so answers are
 * cached per agent and principal for `list_cache_seconds`.
 */
import { agentOf, type DecisionRequest, type RegentClient } from '@regent/client';
import type { AgentIdentity } from './config.ts';
import type { Route } from './upstreams.ts';

/** Denials that mean the agent may never call the tool, whatever the arguments. */
export const HIDING_CODES: ReadonlySet<string> = new Set([
  'agent.unknown',
  'tool.unknown',
  'tool.not_allowed',
  'tool.kind_mismatch',
]);

/** Caches probe answers per agent identity. */
export class Visibility {
  readonly #regent: RegentClient;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; visible: Set<string>; known: Set<string> }>();

  constructor(regent: RegentClient, ttlSeconds: number) {
    this.#regent = regent;
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** The routes `agent` may see (in the order given). */
  async visible(routes: readonly Route[], agent: AgentIdentity, principalToken?: string): Promise<Route[]> {
    const key = JSON.stringify([agentOf(agent), principalToken ?? null]);
    const now = Date.now();
    let hit = this.#cache.get(key);
    const probed = new Set(routes.map((r) => probeKey(r)));
    const known = hit?.known;
    if (hit === undefined || now - hit.at >= this.#ttlMs || ![...probed].every((k) => known?.has(k) === true)) {
      const fresh = await this.#probe(routes, agent, principalToken);
      if (fresh === null) return [];
      hit = { at: now, visible: fresh.visible, known: probed };
      if (this.#ttlMs > 0) this.#cache.set(key, hit);
    }
    const seen = hit.visible;
    return routes.filter((r) => seen.has(probeKey(r)));
  }

  async #probe(
    routes: readonly Route[],
    agent: AgentIdentity,
    principalToken?: string,
  ): Promise<{ visible: Set<string> } | null> {
    const unique = [...new Map(routes.map((r) => [probeKey(r), r])).values()];
    if (unique.length === 0) return { visible: new Set() };
    const requests: DecisionRequest[] = unique.map((r) => ({
      agent: agentOf(agent),
      action: { tool: r.mapping.regent_tool, kind: r.mapping.kind },
      payload: {},
      context: { regent_gateway: { probe: 'tools/list' } },
    }));
    const answers = await this.#regent.decideBatch(requests, principalToken === undefined ? {} : { principalToken });
    if (answers.some((a) => a.fail_closed === true)) return null;
    const visible = new Set<string>();
    unique.forEach((r, i) => {
      const a = answers[i];
      if (a !== undefined && !a.reasons.some((x) => a.decision === 'deny' && HIDING_CODES.has(x.code)))
        visible.add(probeKey(r));
    });
    return { visible };
  }
}

function probeKey(r: Route): string {
  return `${r.mapping.regent_tool}\u0000${r.mapping.kind}`;
}
