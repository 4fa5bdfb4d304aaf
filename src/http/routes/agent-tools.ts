/**
 * `POST /v1/agents/tools`: which tools an agent may call at all, from the agent and tool registry
 * of the active revision (its roles, each role's tools, each tool's kinds and system). A query
 * with no side effect, for a gateway's `tools/list`: nothing is decided, counted or audited, so
 * listing tools never touches an agent's activity window. Whether a call may run is still
 * decided call by call; this only says which calls can never be allowed.
 */
import { Router } from 'express';
import { configOf } from '../../catalogue/catalogue.ts';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../../decision/decision-request.ts';
import { NotReadyError } from '../../errors/regent-error.ts';
import type { PolicyStore } from '../../policy/policy-store.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';

/** JSON Schema of the query: the agent, as in a decision request (requested roles may only narrow). */
export const AGENT_TOOLS_REQUEST_SCHEMA = {
  $id: 'regent/agent-tools-request',
  type: 'object',
  additionalProperties: false,
  required: ['agent'],
  properties: { agent: DECISION_REQUEST_SCHEMA.properties.agent },
} as const;

/** One tool an agent may call, with the kinds and system the registry gives it. */
export interface AllowedTool {
  tool: string;
  kinds: string[];
  system: string | null;
}

/** The tools the registry grants `agent` through its roles (narrowed to `requested` roles when given). */
export function allowedTools(data: Record<string, unknown>, agent: DecisionRequest['agent']): AllowedTool[] {
  const config = configOf(data) as {
    agents?: Record<string, { roles?: unknown } | undefined>;
    roles?: Record<string, { tools?: unknown } | undefined>;
    tools?: Record<string, { kinds?: unknown; system?: unknown } | undefined>;
  };
  const entry =
    config.agents !== undefined && Object.hasOwn(config.agents, agent.id) ? config.agents[agent.id] : undefined;
  const registered = Array.isArray(entry?.roles) ? entry.roles.filter((r): r is string => typeof r === 'string') : [];
  const roles = agent.roles === undefined ? registered : registered.filter((r) => agent.roles?.includes(r));
  const names = new Set<string>();
  for (const role of roles) {
    const spec = config.roles !== undefined && Object.hasOwn(config.roles, role) ? config.roles[role] : undefined;
    for (const t of Array.isArray(spec?.tools) ? spec.tools : []) if (typeof t === 'string') names.add(t);
  }
  const out: AllowedTool[] = [];
  for (const tool of [...names].sort()) {
    const spec = config.tools !== undefined && Object.hasOwn(config.tools, tool) ? config.tools[tool] : undefined;
    if (spec === undefined) continue; // a role naming an unknown tool grants nothing (and fails the config check)
    const kinds = Array.isArray(spec.kinds) ? spec.kinds.filter((k): k is string => typeof k === 'string') : [];
    out.push({ tool, kinds, system: typeof spec.system === 'string' ? spec.system : null });
  }
  return out;
}

/** The route. */
export function agentToolsRoutes(policies: PolicyStore, maxBodyBytes: number): Router {
  const router = Router();
  const validate = compileValidator<{ agent: DecisionRequest['agent'] }>(
    AGENT_TOOLS_REQUEST_SCHEMA,
    'agent tools query',
  );
  router.post('/v1/agents/tools', ...jsonBody(maxBodyBytes), (req, res) => {
    const { agent } = validate(req.body);
    const active = policies.current();
    if (active === undefined) throw new NotReadyError('no policy revision is loaded yet');
    const data = active.bundle.data;
    const config = configOf(data) as { agents?: Record<string, unknown> };
    res.json({
      agent: agent.id,
      known: config.agents !== undefined && Object.hasOwn(config.agents, agent.id),
      tools: allowedTools(data, agent),
      policy: { revision: active.revision },
    });
  });
  return router;
}
