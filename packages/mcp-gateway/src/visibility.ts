/**
 * Which tools `tools/list` shows an agent: the mapped tools whose regent tool and kind the
 * agent's registry roles grant, asked of regent with `POST /v1/agents/tools`, which decides,
 * counts and audits nothing (listing tools must not touch the agent's activity window). The call
 * itself is still decided. An answer regent cannot give (regent down) shows nothing: fail closed.
 * Answers are cached per agent for `list_cache_seconds`.
 */
import { agentOf, type RegentClient } from '@regent/client';
import type { AgentIdentity } from './config.ts';
import type { Route } from './upstreams.ts';

/** Denials that mean the agent may never call the tool, whatever the arguments (a call answered so is never retried). */
export const HIDING_CODES: ReadonlySet<string> = new Set([
  'agent.unknown',
  'tool.unknown',
  'tool.not_allowed',
  'tool.kind_mismatch',
]);

/** Caches the registry's answer per agent identity. */
export class Visibility {
  readonly #regent: RegentClient;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; granted: Set<string> }>();

  constructor(regent: RegentClient, ttlSeconds: number) {
    this.#regent = regent;
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** The routes `agent` may see (in the order given). */
  async visible(routes: readonly Route[], agent: AgentIdentity, principalToken?: string): Promise<Route[]> {
    const who = agentOf(agent);
    const key = JSON.stringify(who);
    const now = Date.now();
    let hit = this.#cache.get(key);
    if (hit === undefined || now - hit.at >= this.#ttlMs) {
      const tools = await this.#regent.allowedTools(who, principalToken === undefined ? {} : { principalToken });
      if (tools === null) return [];
      hit = { at: now, granted: new Set(tools.flatMap((t) => t.kinds.map((k) => grantKey(t.tool, k)))) };
      if (this.#ttlMs > 0) this.#cache.set(key, hit);
    }
    const granted = hit.granted;
    return routes.filter((r) => granted.has(grantKey(r.mapping.regent_tool, r.mapping.kind)));
  }
}

function grantKey(tool: string, kind: string): string {
  return `${tool}\u0000${kind}`;
}
