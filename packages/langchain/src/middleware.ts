/**
 * regent as a LangChain.js v1 agent middleware (`createMiddleware` with `wrapToolCall`): every
 * tool call of `createAgent` is decided before the tool runs (deny answers the model a tool error
 * message with the reasons and alternatives; redact runs the tool with the redacted arguments), and
 * its result passes regent's result phase (redacted, or withheld). The session is the integrator's
 * (by default the graph's `thread_id`), never the model's. Every failure refuses: the client
 * resolves to a deny.
 *
 * regent's `escalate` (a person must approve this exact call in regent) is refused naming the
 * approval URL; with `approvalWaitMs` the middleware waits for the person and asks regent again
 * with the identical request; with `approvalInterrupt` it interrupts the graph in the shape of
 * LangChain's `humanInTheLoopMiddleware`, and an `approve` on resume only resumes: regent is asked
 * again, and the tool runs only on regent's allow or redact.
 */
import { createMiddleware, ToolMessage, type ToolCallRequest } from 'langchain';
import {
  agentOf,
  describeDenial,
  toolCallRequest,
  withPayload,
  type AgentIdentity,
  type Decision,
  type RegentClient,
  type ToolMapping,
} from '@regent/client';

/** How the middleware sees regent and the tools. */
export interface RegentMiddlewareOptions {
  client: RegentClient;
  agent: AgentIdentity;
  /** The regent session: a fixed id, or one taken from the call (default: the graph's `thread_id`). */
  sessionId?: string | ((request: ToolCallRequest) => string | undefined);
  /** The agent's tool names mapped to regent tools. */
  tools: Record<string, ToolMapping>;
  /** What a tool without a mapping gets: `refuse` (default) or `pass` (runs unchecked). */
  unmapped?: 'refuse' | 'pass';
  /** How long a call regent escalated waits for a person, in ms. 0 (default): refused at once, naming the approval URL. */
  approvalWaitMs?: number;
  /**
   * Interrupt the graph (humanInTheLoopMiddleware's shape, needs a checkpointer) when regent
   * escalates, so the app can show the approval URL and resume later. Default false.
   */
  approvalInterrupt?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when regent wants a person to approve this exact action first (its `escalate` answer). */
export function isEscalation(d: Decision): boolean {
  return d.decision === 'escalate';
}

/** A tool's result content as regent should see it: JSON text as the value it holds. */
function resultValue(content: unknown): { value: unknown; json: boolean } {
  if (typeof content !== 'string') return { value: content ?? null, json: false };
  try {
    return { value: JSON.parse(content) as unknown, json: true };
  } catch {
    return { value: content, json: false };
  }
}

/** The human-in-the-loop resume value approves (LangChain's HITLResponse shape). */
function approved(resume: unknown): boolean {
  const decisions = isObject(resume) ? resume['decisions'] : undefined;
  return (
    Array.isArray(decisions) && decisions.length > 0 && decisions.every((d) => isObject(d) && d['type'] === 'approve')
  );
}

/** The middleware: pass it in `createAgent({ middleware: [regentMiddleware(options)] })`. */
export function regentMiddleware(options: RegentMiddlewareOptions) {
  const principal = options.agent.principal_token;
  const waitMs = Math.max(0, options.approvalWaitMs ?? 0);
  const sessionOf = (request: ToolCallRequest): string | undefined =>
    typeof options.sessionId === 'function'
      ? options.sessionId(request)
      : (options.sessionId ?? request.runtime.configurable?.thread_id);

  return createMiddleware({
    name: 'RegentMiddleware',
    wrapToolCall: async (request, handler) => {
      const name = request.toolCall.name;
      const id = request.toolCall.id ?? '';
      const refuse = (text: string) => new ToolMessage({ content: text, tool_call_id: id, name, status: 'error' });
      const mapping = options.tools[name];
      if (mapping === undefined)
        return options.unmapped === 'pass'
          ? handler(request)
          : refuse(`regent has no mapping for the tool ${name}; it is refused.`);
      const sessionId = sessionOf(request);
      if (sessionId === undefined)
        return refuse(`regent needs a session for ${name} (sessionId, or a thread_id in the config); it is refused.`);
      const signal = request.runtime.signal;
      const call = {
        ...(principal === undefined ? {} : { principalToken: principal }),
        ...(signal === undefined ? {} : { signal }),
      };
      const args = isObject(request.toolCall.args) ? request.toolCall.args : {};
      const decisionRequest = toolCallRequest(mapping, args, options.agent, sessionId);
      let decision = await options.client.decide(decisionRequest, call);
      let waited = false;
      if (isEscalation(decision)) {
        // Only regent's answer to the identical request, asked again, can allow: a yes to the
        // interrupt (humanInTheLoopMiddleware's shape; needs a checkpointer) only resumes the run.
        const interrupt = request.runtime.interrupt;
        if (options.approvalInterrupt === true && interrupt !== undefined) {
          const resume = interrupt({
            actionRequests: [{ name, args, description: describeDenial(decision, `regent escalated ${name}`) }],
            reviewConfigs: [{ actionName: name, allowedDecisions: ['approve', 'reject'] }],
          });
          if (!approved(resume))
            return refuse(`${describeDenial(decision, `regent escalated ${name}`)}\nA person did not approve it.`);
          if (waitMs === 0) decision = await options.client.decide(decisionRequest, call);
        }
        if (isEscalation(decision) && waitMs > 0) {
          decision = await options.client.decideAfterApproval(decisionRequest, decision, {
            ...call,
            deadlineMs: waitMs,
          });
          waited = true;
        }
      }
      let runWith = args;
      if (decision.decision === 'redact') {
        const redacted = withPayload(mapping, args, decision.payload);
        if (!isObject(redacted))
          return refuse(`regent redacted the input of ${name} into something that is not an object.`);
        runWith = redacted;
      } else if (decision.decision === 'deny') return refuse(describeDenial(decision, `regent denied ${name}`));
      else if (decision.decision === 'escalate')
        return refuse(
          describeDenial(
            decision,
            `regent escalated ${name}${waited ? ` and nobody decided within ${waitMs} ms` : ''}; it did not run`,
          ),
        );
      const result = await handler(
        runWith === args ? request : { ...request, toolCall: { ...request.toolCall, args: runWith } },
      );
      if (!ToolMessage.isInstance(result))
        return refuse(`regent cannot check the result of ${name} (a Command, not a ToolMessage); it is withheld.`);
      const content = resultValue(result.content);
      const checked = await options.client.checkResult(
        {
          agent: agentOf(options.agent),
          action: decisionRequest.action,
          session: { id: sessionId },
          ...(decision.decision_id === null ? {} : { decision_id: decision.decision_id }),
          result: content.value,
        },
        call,
      );
      if (checked.decision === 'allow') return result;
      if (checked.decision === 'redact')
        return new ToolMessage({
          content:
            typeof checked.result === 'string' && !content.json
              ? checked.result
              : JSON.stringify(checked.result ?? null),
          tool_call_id: id,
          name,
          ...(result.status === undefined ? {} : { status: result.status }),
        });
      return refuse(describeDenial(checked, `regent withheld the output of ${name}`));
    },
  });
}
