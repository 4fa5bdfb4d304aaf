/**
 * regent as Claude Agent SDK hooks. `PreToolUse` asks regent before a tool runs and answers
 * `permissionDecision` allow (with `updatedInput` when regent redacted the arguments), deny (with
 * the reasons and alternatives), or ask (when every reason is an escalation); `PostToolUse` passes
 * the tool's output through regent's result phase and replaces it (`updatedToolOutput`) when
 * regent redacts or withholds it. The session is the SDK's `session_id`, the agent and principal
 * come from the integrator's options: never from the model's words. Every failure denies.
 */
import type {
  HookCallback,
  HookCallbackMatcher,
  HookEvent,
  HookJSONOutput,
  PostToolUseHookInput,
  PreToolUseHookInput,
} from '@anthropic-ai/claude-agent-sdk';
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

/** How the hooks see regent and the tools. */
export interface RegentHookOptions {
  client: RegentClient;
  agent: AgentIdentity;
  /** Claude tool names (`Bash`, `mcp__hr__read_employee`, ...) mapped to regent tools. */
  tools: Record<string, ToolMapping>;
  /** What a tool without a mapping gets: `deny` (default), `ask`, or `defer` (the SDK's own permission flow). */
  unmapped?: 'deny' | 'ask' | 'defer';
}

type PreOutput = {
  hookSpecificOutput: NonNullable<Extract<HookJSONOutput, { hookSpecificOutput?: unknown }>['hookSpecificOutput']>;
} & HookJSONOutput;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when every reason of a deny asks for a person's approval (company rules' `escalate`). */
export function isEscalation(d: Decision): boolean {
  return d.reasons.length > 0 && d.reasons.every((r) => r.details?.['escalate'] === true);
}

function pre(
  decision: 'allow' | 'deny' | 'ask' | 'defer',
  reason?: string,
  updatedInput?: Record<string, unknown>,
): PreOutput {
  return {
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: decision,
      ...(reason === undefined ? {} : { permissionDecisionReason: reason }),
      ...(updatedInput === undefined ? {} : { updatedInput }),
    },
  };
}

/** Links a PostToolUse to its PreToolUse decision, by tool use id (bounded). */
class DecisionLinks {
  readonly #ids = new Map<string, string>();
  set(toolUseId: string, decisionId: string | null): void {
    if (decisionId === null) return;
    if (this.#ids.size >= 10_000) this.#ids.delete(this.#ids.keys().next().value as string);
    this.#ids.set(toolUseId, decisionId);
  }
  take(toolUseId: string): string | undefined {
    const id = this.#ids.get(toolUseId);
    this.#ids.delete(toolUseId);
    return id;
  }
}

/** The PreToolUse and PostToolUse callbacks, for use in `options.hooks` or as functions. */
export function regentHookCallbacks(options: RegentHookOptions): {
  preToolUse(input: PreToolUseHookInput, toolUseId: string | undefined, signal?: AbortSignal): Promise<HookJSONOutput>;
  postToolUse(
    input: PostToolUseHookInput,
    toolUseId: string | undefined,
    signal?: AbortSignal,
  ): Promise<HookJSONOutput>;
} {
  const links = new DecisionLinks();
  const principal = options.agent.principal_token;
  const call = (signal?: AbortSignal) => ({
    ...(principal === undefined ? {} : { principalToken: principal }),
    ...(signal === undefined ? {} : { signal }),
  });
  return {
    async preToolUse(input, toolUseId, signal) {
      const mapping = options.tools[input.tool_name];
      if (mapping === undefined) {
        const unmapped = options.unmapped ?? 'deny';
        return pre(
          unmapped,
          unmapped === 'defer' ? undefined : `regent has no mapping for the tool ${input.tool_name}`,
        );
      }
      const args = isObject(input.tool_input) ? input.tool_input : {};
      const decision = await options.client.decide(
        toolCallRequest(mapping, args, options.agent, input.session_id),
        call(signal),
      );
      links.set(toolUseId ?? input.tool_use_id, decision.decision_id);
      if (decision.decision === 'allow') return pre('allow');
      // An escalation waits in regent's approval queue, which binds the exact payload: a local
      // 'ask' would let someone approve it past regent, so it is a deny naming the approval.
      if (decision.decision === 'escalate')
        return pre('deny', describeDenial(decision, `regent escalated ${input.tool_name}`));
      if (decision.decision === 'deny')
        return pre(
          isEscalation(decision) ? 'ask' : 'deny',
          describeDenial(decision, `regent denied ${input.tool_name}`),
        );
      const updated = withPayload(mapping, args, decision.payload);
      if (!isObject(updated))
        return pre('deny', `regent redacted the input of ${input.tool_name} into something that is not an object`);
      return pre('allow', describeDenial(decision, `regent redacted the input of ${input.tool_name}`), updated);
    },

    async postToolUse(input, toolUseId, signal) {
      const mapping = options.tools[input.tool_name];
      if (mapping === undefined) return {};
      const decisionId = links.take(toolUseId ?? input.tool_use_id);
      const checked = await options.client.checkResult(
        {
          agent: agentOf(options.agent),
          action: toolCallRequest(
            mapping,
            isObject(input.tool_input) ? input.tool_input : {},
            options.agent,
            input.session_id,
          ).action,
          session: { id: input.session_id },
          ...(decisionId === undefined ? {} : { decision_id: decisionId }),
          result: input.tool_response,
        },
        call(signal),
      );
      if (checked.decision === 'allow') return {};
      if (checked.decision === 'redact')
        return { hookSpecificOutput: { hookEventName: 'PostToolUse', updatedToolOutput: checked.result } };
      const reason = describeDenial(checked, `regent withheld the output of ${input.tool_name}`);
      return {
        decision: 'block',
        reason,
        hookSpecificOutput: { hookEventName: 'PostToolUse', updatedToolOutput: reason },
      };
    },
  };
}

/** `options.hooks` for `query()`: regent before and after every tool call. */
export function regentHooks(options: RegentHookOptions): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  const callbacks = regentHookCallbacks(options);
  const preHook: HookCallback = (input, toolUseId, { signal }) =>
    input.hook_event_name === 'PreToolUse' ? callbacks.preToolUse(input, toolUseId, signal) : Promise.resolve({});
  const postHook: HookCallback = (input, toolUseId, { signal }) =>
    input.hook_event_name === 'PostToolUse' ? callbacks.postToolUse(input, toolUseId, signal) : Promise.resolve({});
  return { PreToolUse: [{ hooks: [preHook] }], PostToolUse: [{ hooks: [postHook] }] };
}
