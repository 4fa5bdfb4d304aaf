/**
 * regent around Vercel AI SDK tools: `withRegent(tools, options)` returns the same tool set whose
 * mapped tools ask regent before they execute (deny throws a RegentDenied error, which the SDK
 * hands the model as the tool's error; redact executes with the redacted input) and pass their
 * output through regent's result phase (redacted, or withheld by throwing). Works for any
 * `ToolSet`, including the MCP tools of `@ai-sdk/mcp`. Tools without a mapping are refused unless
 * `unmapped: 'pass'`. Every failure refuses: the client resolves to a deny.
 *
 * regent's `escalate` (a person must approve this exact call in regent) is refused naming the
 * approval URL, or, with `approvalWaitMs`, waited for inside execute: the call runs only if
 * regent, asked again with the identical request after the wait, allows it (its approval is
 * used once). The AI SDK's own `needsApproval` is not used for this: its answer comes from the
 * app's user, not from regent's approver, and execute would have to ask regent again anyway; a
 * `needsApproval` the app set on a tool is kept, and runs before regent is asked.
 */
import type { ToolExecutionOptions, ToolSet } from 'ai';
import {
  agentOf,
  describeDenial,
  toolCallRequest,
  withPayload,
  type AgentIdentity,
  type Decision,
  type RegentClient,
  type ResultDecision,
  type ToolMapping,
} from '@regent/client';

/** How the wrapped tools see regent. */
export interface RegentToolOptions {
  client: RegentClient;
  agent: AgentIdentity;
  /** The regent session: your conversation or chat id, never something the model wrote. */
  sessionId: string;
  /** Tool names of the set mapped to regent tools. */
  tools: Record<string, ToolMapping>;
  /** What a tool without a mapping does: `refuse` (default, it throws) or `pass` (runs unchecked). */
  unmapped?: 'refuse' | 'pass';
  /** How long a call regent escalated waits for a person, in ms. 0 (default): refused at once, naming the approval URL. */
  approvalWaitMs?: number;
}

/** Thrown from a tool's execute when regent denies the call or withholds its output. */
export class RegentDenied extends Error {
  readonly answer: Decision | ResultDecision;
  constructor(answer: Decision | ResultDecision, what: string) {
    super(describeDenial(answer, what));
    this.name = 'RegentDenied';
    this.answer = answer;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Execute = (input: unknown, options: ToolExecutionOptions<unknown>) => unknown;

/** The tool set with regent before and after every execution. */
export function withRegent<TOOLS extends ToolSet>(tools: TOOLS, options: RegentToolOptions): TOOLS {
  const principal = options.agent.principal_token;
  const out: Record<string, unknown> = {};
  for (const [name, tool] of Object.entries(tools)) {
    const original = (tool as { execute?: Execute }).execute;
    const mapping = options.tools[name];
    if (original === undefined || (mapping === undefined && options.unmapped === 'pass')) {
      out[name] = tool;
      continue;
    }
    const execute = async (input: unknown, execOptions: ToolExecutionOptions<unknown>): Promise<unknown> => {
      if (mapping === undefined) throw new Error(`regent has no mapping for the tool ${name}; it is refused`);
      const call = {
        ...(principal === undefined ? {} : { principalToken: principal }),
        ...(execOptions.abortSignal === undefined ? {} : { signal: execOptions.abortSignal }),
      };
      const args = isObject(input) ? input : {};
      const request = toolCallRequest(mapping, args, options.agent, options.sessionId);
      let decision = await options.client.decide(request, call);
      const waitMs = options.approvalWaitMs ?? 0;
      const waited = decision.decision === 'escalate' && waitMs > 0;
      // The identical request, asked again after the wait: only regent's answer to it can allow.
      if (waited)
        decision = await options.client.decideAfterApproval(request, decision, { ...call, deadlineMs: waitMs });
      if (decision.decision === 'deny') throw new RegentDenied(decision, `regent denied ${name}`);
      if (decision.decision === 'escalate')
        throw new RegentDenied(
          decision,
          `regent escalated ${name}${waited ? ` and nobody decided within ${waitMs} ms` : ''}; it did not run`,
        );
      const runWith = decision.decision === 'redact' ? withPayload(mapping, args, decision.payload) : input;
      if (decision.decision === 'redact' && !isObject(runWith))
        throw new RegentDenied(decision, `regent redacted the input of ${name} into something that is not an object`);
      const output: unknown = await original(runWith, execOptions);
      const checked = await options.client.checkResult(
        {
          agent: agentOf(options.agent),
          action: request.action,
          session: { id: options.sessionId },
          ...(decision.decision_id === null ? {} : { decision_id: decision.decision_id }),
          result: output ?? null,
        },
        call,
      );
      if (checked.decision === 'deny' || checked.decision === 'escalate')
        throw new RegentDenied(checked, `regent withheld the output of ${name}`);
      return checked.decision === 'redact' ? checked.result : output;
    };
    out[name] = { ...tool, execute };
  }
  return out as TOOLS;
}
