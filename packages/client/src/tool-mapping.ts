/**
 * From a tool call to a regent decision request, for the gateway and every adapter: the tool name
 * and kind from the integrator's mapping, the resource, destination and recipients from the
 * call's arguments through the mapping's JSON pointers, the agent and principal from the
 * integrator's configuration, the session from the runtime's session. Nothing is taken from what
 * the model says about its call.
 */
import type { ActionKind, DecisionRequest } from './types.ts';

/** How one tool's calls look to regent; pointers are RFC 6901 JSON pointers into the arguments. */
export interface ToolMapping {
  /** The tool's name in regent's catalogue. */
  regent_tool: string;
  kind: ActionKind;
  /** The name the agent sees, when it differs (the gateway). */
  expose_as?: string;
  /** `action.resource`: `system` literal, `id` a pointer. */
  resource?: { system?: string; id?: string };
  /** `data_flow.destination`: `system` literal, `id` and `recipients` pointers. */
  destination?: { system?: string; id?: string; recipients?: string };
  /** Pointer to the part of the arguments that is the payload (default: all of them). */
  payload?: string;
}

/** Who acts, for whom; `principal_token` is forwarded for verification, never sent in the body. */
export interface AgentIdentity {
  id: string;
  roles?: string[];
  on_behalf_of?: { id: string; groups?: string[]; clearance?: string };
  principal_token?: string;
}

/** Resolves an RFC 6901 JSON pointer in `doc`; undefined when any step is missing. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
      at = at[Number(key)];
    } else if (typeof at === 'object' && at !== null && Object.hasOwn(at, key)) {
      at = (at as Record<string, unknown>)[key];
    } else return undefined;
  }
  return at;
}

/** A scalar argument as an id; anything else (objects, empty strings) is no id. */
function asId(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v.slice(0, 1024);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Recipients named by a string, a list of strings, or a list of `{id}` (or `{email}`). */
function asRecipients(v: unknown): { id: string }[] | undefined {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const ids = list
    .map((r: unknown) =>
      typeof r === 'object' && r !== null ? (resolvePointer(r, '/id') ?? resolvePointer(r, '/email')) : r,
    )
    .map(asId)
    .filter((x): x is string => x !== undefined);
  return ids.length === 0 ? undefined : ids.slice(0, 1000).map((id) => ({ id }));
}

/** The decision request for one call of a mapped tool. */
export function toolCallRequest(
  mapping: ToolMapping,
  args: Record<string, unknown>,
  agent: AgentIdentity,
  sessionId: string,
): DecisionRequest {
  const request: DecisionRequest = {
    agent: agentOf(agent),
    action: { tool: mapping.regent_tool, kind: mapping.kind },
    payload: mapping.payload === undefined ? args : resolvePointer(args, mapping.payload),
    session: { id: sessionId },
  };
  if (mapping.resource !== undefined) {
    const resource: NonNullable<DecisionRequest['action']['resource']> = {};
    if (mapping.resource.system !== undefined) resource.system = mapping.resource.system;
    const id = mapping.resource.id === undefined ? undefined : asId(resolvePointer(args, mapping.resource.id));
    if (id !== undefined) resource.id = id;
    request.action.resource = resource;
  }
  if (mapping.destination !== undefined) {
    const d = mapping.destination;
    const destination: NonNullable<NonNullable<DecisionRequest['data_flow']>['destination']> = {};
    if (d.system !== undefined) destination.system = d.system;
    const id = d.id === undefined ? undefined : asId(resolvePointer(args, d.id));
    if (id !== undefined) destination.id = id;
    const recipients = d.recipients === undefined ? undefined : asRecipients(resolvePointer(args, d.recipients));
    if (recipients !== undefined) destination.recipients = recipients;
    request.data_flow = { destination };
  }
  return request;
}

/** The `agent` object regent receives for a connection's identity. */
export function agentOf(agent: AgentIdentity): DecisionRequest['agent'] {
  const out: DecisionRequest['agent'] = { id: agent.id };
  if (agent.roles !== undefined) out.roles = [...agent.roles];
  if (agent.on_behalf_of !== undefined) {
    const p = agent.on_behalf_of;
    out.on_behalf_of = { id: p.id };
    if (p.groups !== undefined) out.on_behalf_of.groups = [...p.groups];
    if (p.clearance !== undefined) out.on_behalf_of.clearance = p.clearance;
  }
  return out;
}

/** Puts redacted payload back into the arguments at the mapping's payload pointer. */
export function withPayload(mapping: ToolMapping, args: Record<string, unknown>, payload: unknown): unknown {
  if (mapping.payload === undefined || mapping.payload === '') return payload;
  const copy = structuredClone(args);
  const cut = mapping.payload.lastIndexOf('/');
  const parent = resolvePointer(copy, mapping.payload.slice(0, cut));
  const last = mapping.payload
    .slice(cut + 1)
    .replaceAll('~1', '/')
    .replaceAll('~0', '~');
  if (typeof parent !== 'object' || parent === null) return undefined;
  (parent as Record<string, unknown>)[last] = payload;
  return copy;
}
