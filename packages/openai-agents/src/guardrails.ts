/**
 * regent as OpenAI Agents SDK tool guardrails. The input guardrail asks regent before a tool runs:
 * allow runs it; deny rejects the call with the reasons and alternatives, which the SDK hands the
 * model as the tool's output; redact rejects too (tool input guardrails cannot replace a call's
 * arguments) and hands the model the arguments regent would let through, to call again with. The
 * output guardrail passes the tool's output through regent's result phase: redact replaces it,
 * deny replaces it with the reasons. The session comes from the integrator, never from the model.
 * Every failure rejects: the client resolves to a deny.
 *
 * regent's `escalate` (a person must approve this exact call in regent) is rejected naming the
 * approval URL. With `approvalWaitMs` the input guardrail waits for the person and asks regent
 * again with the identical request; with `approvalInterrupt`, `needsApproval` makes the run stop
 * with the SDK's tool approval interruption, so an app can show the approval URL
 * (`pendingApproval`) and resume later. A "yes" to that interruption only resumes: the input
 * guardrail then asks regent again, and the tool runs only on regent's allow.
 */
import {
  defineToolInputGuardrail,
  defineToolOutputGuardrail,
  ToolGuardrailFunctionOutputFactory as Verdict,
  type RunContext,
  type ToolGuardrailFunctionOutput,
  type ToolInputGuardrailDefinition,
  type ToolOutputGuardrailDefinition,
} from '@openai/agents';
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

/** How the guardrails see regent and the tools. */
export interface RegentGuardrailOptions {
  client: RegentClient;
  agent: AgentIdentity;
  /** The regent session: your conversation or chat id, never something the model wrote. */
  sessionId: string;
  /** The agent's tool names mapped to regent tools. */
  tools: Record<string, ToolMapping>;
  /** What a tool without a mapping gets: `reject` (default) or `pass` (runs unchecked). */
  unmapped?: 'reject' | 'pass';
  /** How long a call regent escalated waits for a person in the input guardrail, in ms. 0 (default): rejected at once. */
  approvalWaitMs?: number;
  /** Stop the run with the SDK's tool approval interruption when regent escalates (default false: no interruption). */
  approvalInterrupt?: boolean;
}

/** What `regentGuardrails` gives: spread `forTool(name)` into `tool({...})`, or use the parts. */
export interface RegentGuardrails {
  inputGuardrail: ToolInputGuardrailDefinition;
  outputGuardrail: ToolOutputGuardrailDefinition;
  /** `needsApproval` for the tool `name`: with `approvalInterrupt`, true when regent escalates the call. */
  needsApproval(name: string): (runContext: RunContext, input: unknown, callId?: string) => Promise<boolean>;
  /** The approval request (with its URL) of a call an interruption stopped at, for the app to show. */
  pendingApproval(callId: string): Decision['approval'] | undefined;
  /** `{inputGuardrails, outputGuardrails, needsApproval}` for `tool({...})` of the tool `name`. */
  forTool(name: string): {
    inputGuardrails: ToolInputGuardrailDefinition[];
    outputGuardrails: ToolOutputGuardrailDefinition[];
    needsApproval: (runContext: RunContext, input: unknown, callId?: string) => Promise<boolean>;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when regent wants a person to approve this exact action first (its `escalate` answer). */
export function isEscalation(d: Decision): boolean {
  return d.decision === 'escalate';
}

/**
 * A tool's output as regent should see it: the SDK's tools mostly return text, often JSON; JSON
 * text goes as the value it holds, so regent's detectors and redactions see its fields.
 */
function resultValue(output: unknown): { value: unknown; json: boolean } {
  if (typeof output !== 'string') return { value: output ?? null, json: false };
  try {
    return { value: JSON.parse(output) as unknown, json: true };
  } catch {
    return { value: output, json: false };
  }
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** Decisions by call id: needsApproval's for the input guardrail, the input's for the output (bounded). */
class ByCall<T> {
  readonly #items = new Map<string, T>();
  set(callId: string, value: T): void {
    if (this.#items.size >= 10_000) this.#items.delete(this.#items.keys().next().value as string);
    this.#items.set(callId, value);
  }
  take(callId: string): T | undefined {
    const v = this.#items.get(callId);
    this.#items.delete(callId);
    return v;
  }
  peek(callId: string): T | undefined {
    return this.#items.get(callId);
  }
}

/** The guardrails (and approval policy) that put regent before and after every tool call. */
export function regentGuardrails(options: RegentGuardrailOptions): RegentGuardrails {
  const principal = options.agent.principal_token;
  const call = principal === undefined ? {} : { principalToken: principal };
  const early = new ByCall<Decision>();
  const decided = new ByCall<string>();
  const waitMs = Math.max(0, options.approvalWaitMs ?? 0);
  const decide = (mapping: ToolMapping, args: Record<string, unknown>) =>
    options.client.decide(toolCallRequest(mapping, args, options.agent, options.sessionId), call);

  const inputGuardrail = defineToolInputGuardrail({
    name: 'regent',
    async run({ context, toolCall }): Promise<ToolGuardrailFunctionOutput> {
      const name = toolCall.name;
      const mapping = options.tools[name];
      if (mapping === undefined)
        return options.unmapped === 'pass'
          ? Verdict.allow()
          : Verdict.rejectContent(`regent has no mapping for the tool ${name}; it is refused.`);
      const args = parseArguments(toolCall.arguments);
      const request = toolCallRequest(mapping, args, options.agent, options.sessionId);
      let decision = early.take(toolCall.callId) ?? (await options.client.decide(request, call));
      let waited = false;
      if (decision.decision === 'escalate') {
        // Only regent's answer to the identical request, asked again, can allow. A yes to the
        // SDK's interruption resumed the run; it approves nothing by itself.
        if (waitMs > 0) {
          decision = await options.client.decideAfterApproval(request, decision, { ...call, deadlineMs: waitMs });
          waited = true;
        } else if (context.isToolApproved({ toolName: name, callId: toolCall.callId }) === true)
          decision = await options.client.decide(request, call);
      }
      if (decision.decision_id !== null) decided.set(toolCall.callId, decision.decision_id);
      if (decision.decision === 'allow') return Verdict.allow(decision);
      if (decision.decision === 'redact') {
        const redacted = withPayload(mapping, args, decision.payload);
        return Verdict.rejectContent(
          [
            describeDenial(decision, `regent allows ${name} only with parts removed`),
            'Tool input guardrails cannot replace arguments, so this call was not run.',
            ...(isObject(redacted) ? [`Call ${name} again with these arguments: ${JSON.stringify(redacted)}`] : []),
          ].join('\n'),
          decision,
        );
      }
      const what =
        decision.decision === 'escalate'
          ? `regent escalated ${name}${waited ? ` and nobody decided within ${waitMs} ms` : ''}; it did not run`
          : `regent denied ${name}`;
      return Verdict.rejectContent(describeDenial(decision, what), decision);
    },
  });

  const outputGuardrail = defineToolOutputGuardrail({
    name: 'regent',
    async run({ toolCall, output }): Promise<ToolGuardrailFunctionOutput> {
      const name = toolCall.name;
      const mapping = options.tools[name];
      const decisionId = decided.take(toolCall.callId);
      if (mapping === undefined) return Verdict.allow();
      const result = resultValue(output);
      const checked = await options.client.checkResult(
        {
          agent: agentOf(options.agent),
          action: toolCallRequest(mapping, parseArguments(toolCall.arguments), options.agent, options.sessionId).action,
          session: { id: options.sessionId },
          ...(decisionId === undefined ? {} : { decision_id: decisionId }),
          result: result.value,
        },
        call,
      );
      if (checked.decision === 'allow') return Verdict.allow(checked);
      // rejectContent is the output guardrails' one way to replace what the model sees.
      if (checked.decision === 'redact')
        return Verdict.rejectContent(
          typeof checked.result === 'string' && !result.json ? checked.result : JSON.stringify(checked.result ?? null),
          checked,
        );
      return Verdict.rejectContent(describeDenial(checked, `regent withheld the output of ${name}`), checked);
    },
  });

  const needsApproval = (name: string) => async (_ctx: RunContext, input: unknown, callId?: string) => {
    const mapping = options.tools[name];
    if (mapping === undefined) return false;
    const decision = await decide(mapping, isObject(input) ? input : {});
    if (callId !== undefined) early.set(callId, decision);
    return options.approvalInterrupt === true && isEscalation(decision);
  };

  return {
    inputGuardrail,
    outputGuardrail,
    needsApproval,
    pendingApproval: (callId) => {
      const d = early.peek(callId);
      return d?.decision === 'escalate' ? d.approval : undefined;
    },
    forTool: (name) => ({
      inputGuardrails: [inputGuardrail],
      outputGuardrails: [outputGuardrail],
      needsApproval: needsApproval(name),
    }),
  };
}
