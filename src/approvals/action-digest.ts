/**
 * The exact action an approval is bound to, and its digest. A person approves one action: this
 * agent, acting for this principal, calling this tool, of this kind, on this resource, with this
 * payload, toward this destination (the whole data flow), in this session, with this context.
 * The digest is SHA-256 over a domain tag and the canonical JSON (RFC 8785 for these values,
 * src/audit/canonical.ts) of that object, so key order and whitespace never matter and any other
 * change (one payload byte, another recipient, another principal) is another action.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.ts';
import type { DecisionRequest } from '../decision/decision-request.ts';

/** Prefix hashed before the canonical action, so the digest cannot be mistaken for another hash. */
const DOMAIN = 'regent.approval.action.v1\n';

/** The action an approval covers, from a decision request (its principal already verified, when verification is on). */
export function actionOf(request: DecisionRequest): Record<string, unknown> {
  return {
    agent: request.agent.id,
    roles: request.agent.roles ?? null,
    principal: request.agent.on_behalf_of ?? null,
    tool: request.action.tool,
    kind: request.action.kind,
    resource: request.action.resource ?? null,
    payload: request.payload ?? null,
    data_flow: request.data_flow ?? null,
    session: request.session?.id ?? null,
    context: request.context ?? null,
  };
}

/** sha256 hex of the canonical action. */
export function actionDigest(action: Record<string, unknown>): string {
  return createHash('sha256').update(DOMAIN).update(canonicalJson(action)).digest('hex');
}
