/**
 * One guarded tool call: regent decides before it is forwarded (deny answers an MCP tool error
 * carrying the reasons and alternatives, redact forwards the redacted arguments), and the
 * upstream's result passes through regent's result phase before the agent sees it (redacted, or
 * withheld as an error). Any failure on the way refuses the call: fail closed.
 *
 * An escalated call waits for a person up to `approvalWaitMs` (MCP has no approval prompt every
 * client shows, so the gateway holds the call), then asks regent again with the identical request
 * and forwards only on that answer's allow or redact: the approval binds the exact arguments and
 * is used once. A rejection, an expiry or a request still waiting is refused, naming which.
 */
import {
  agentOf,
  describeDenial,
  toolCallRequest,
  withPayload,
  type Decision,
  type RegentClient,
  type ResultDecision,
} from '@regent/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentIdentity } from './config.ts';
import type { Route } from './upstreams.ts';

/** One line of the gateway's log (JSON on stderr): decisions, never argument or result values. */
export type CallLog = (event: Record<string, unknown>) => void;

/** What a connection contributes to a call: who, for whom, which session. */
export interface CallContext {
  agent: AgentIdentity;
  sessionId: string;
  /** Overrides the identity's principal token (forwarded from the client's request). */
  principalToken?: string;
  signal?: AbortSignal;
  /** How long an escalated call waits for a person (the configuration's `approval_wait_ms`); 0 refuses at once. */
  approvalWaitMs?: number;
}

/** Where a refusal's reasons go, for a client that reads `_meta` (never payload values). */
const META_KEY = 'regent/decision';

function refusal(answer: Decision | ResultDecision, what: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: describeDenial(answer, what) }],
    _meta: {
      [META_KEY]: {
        decision_id: answer.decision_id,
        decision: answer.decision,
        ...(answer.approval === undefined ? {} : { approval: answer.approval }),
        reasons: answer.reasons.map((r) => ({
          code: r.code,
          message: r.message,
          ...(r.alternative === undefined ? {} : { alternative: r.alternative }),
        })),
      },
    },
  };
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Runs one call through regent and the upstream. Never throws: every failure is an MCP tool error. */
export async function guardedCall(
  regent: RegentClient,
  route: Route,
  args: Record<string, unknown>,
  ctx: CallContext,
  log: CallLog,
): Promise<CallToolResult> {
  const { mapping } = route;
  const token = ctx.principalToken ?? ctx.agent.principal_token;
  const options = {
    ...(token === undefined ? {} : { principalToken: token }),
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
  const request = toolCallRequest(mapping, args, ctx.agent, ctx.sessionId);
  const logDecision = (d: Decision, extra: Record<string, unknown> = {}) =>
    log({
      event: 'tool_call',
      tool: route.exposedName,
      regent_tool: mapping.regent_tool,
      session_id: ctx.sessionId,
      agent_id: ctx.agent.id,
      decision: d.decision,
      decision_id: d.decision_id,
      reason_codes: d.reasons.map((r) => r.code),
      ...(d.approval === undefined ? {} : { approval_id: d.approval.id, approval_state: d.approval.state }),
      ...extra,
    });
  let decision = await regent.decide(request, options);
  logDecision(decision);
  const waitMs = ctx.approvalWaitMs ?? 0;
  let waited = false;
  if (decision.decision === 'escalate' && waitMs > 0) {
    // The identical request, asked again after the wait: only regent's answer to it can allow.
    decision = await regent.decideAfterApproval(request, decision, { ...options, deadlineMs: waitMs });
    waited = true;
    logDecision(decision, { after_approval_wait: true });
  }
  if (decision.decision === 'deny' || decision.decision === 'escalate') {
    const verb = decision.decision === 'deny' ? 'denied' : 'escalated';
    const still = decision.decision === 'escalate' && waited ? ` and nobody decided within ${waitMs} ms` : '';
    return refusal(decision, `regent ${verb} ${route.exposedName}${still}`);
  }

  let forwarded: unknown = args;
  if (decision.decision === 'redact') {
    forwarded = withPayload(mapping, args, decision.payload);
    if (!isObject(forwarded))
      return failure(
        `regent redacted the arguments of ${route.exposedName} into something that is not an object; refused`,
      );
  }

  let result: CallToolResult;
  try {
    result = await route.upstream.call(route.tool.name, forwarded, ctx.signal);
  } catch (err) {
    log({ event: 'upstream_error', tool: route.exposedName, error: (err as Error).message });
    return failure(`${route.exposedName} failed upstream: ${(err as Error).message}`);
  }

  // What the agent would see: content and structured content. `_meta` stays upstream's business.
  const output: Record<string, unknown> = { content: result.content };
  if (result.structuredContent !== undefined) output['structuredContent'] = result.structuredContent;
  const checked = await regent.checkResult(
    {
      agent: agentOf(ctx.agent),
      action: request.action,
      session: { id: ctx.sessionId },
      ...(decision.decision_id === null ? {} : { decision_id: decision.decision_id }),
      result: output,
    },
    options,
  );
  log({
    event: 'tool_result',
    tool: route.exposedName,
    session_id: ctx.sessionId,
    decision: checked.decision,
    decision_id: checked.decision_id,
    reason_codes: checked.reasons.map((r) => r.code),
    redacted_paths: checked.redactions.map((r) => r.path),
  });
  if (checked.decision === 'deny' || checked.decision === 'escalate')
    return refusal(checked, `regent withheld the result of ${route.exposedName}`);
  if (checked.decision === 'allow') return result;
  const redacted = checked.result;
  if (!isObject(redacted) || !Array.isArray(redacted['content']))
    return failure(`regent's redacted result of ${route.exposedName} has no content list; withheld`);
  const out: CallToolResult = { content: redacted['content'] as CallToolResult['content'] };
  if (redacted['structuredContent'] !== undefined)
    out.structuredContent = redacted['structuredContent'] as Record<string, unknown>;
  if (result.isError === true) out.isError = true;
  return out;
}
