/**
 * regent as Claude Agent SDK hooks. `PreToolUse` asks regent before a tool runs and answers
 * `permissionDecision` allow (with `updatedInput` when regent redacted the arguments) or deny
 * (with the reasons and alternatives); `PostToolUse` passes the tool's output through regent's
 * result phase and replaces it (`updatedToolOutput`) when regent redacts or withholds it. The
 * session is the SDK's `session_id`, the agent and principal come from the integrator's options:
 * never from the model's words. Every failure denies.
 *
 * regent's `escalate` (a person must approve this exact action in regent) is denied at once naming
 * the approval URL, unless `approvalWaitMs` is set. Then `PreToolUse` answers `ask` and regent's
 * `canUseTool` (the SDK's permission callback, from {@link regentPermissions}) waits for the
 * person and asks regent again with the identical request: the tool runs only on that answer's
 * allow or redact. A local "yes" never runs an escalated tool by itself: the SDK calls
 * `canUseTool` for an `ask`, and without one it denies the call (test/tool-path/
 * claude-agent-sdk-approvals.test.ts checks both with the real SDK). With `onEscalate: 'wait'`
 * the hook waits itself and answers allow or deny (the Claude Code command hook does, because a
 * terminal "yes" to an `ask` would run the tool past regent).
 */
import type {
  CanUseTool,
  HookCallback,
  HookCallbackMatcher,
  HookEvent,
  HookJSONOutput,
  PermissionResult,
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
  /** How long a call regent escalated may wait for a person, in ms. 0 (default): denied at once, naming the approval URL. */
  approvalWaitMs?: number;
  /**
   * With `approvalWaitMs`: `ask` (default) answers `permissionDecision: 'ask'` and leaves the wait to
   * regent's `canUseTool` (pass the one {@link regentPermissions} gives, and no other); `wait` waits
   * inside PreToolUse and answers allow or deny.
   */
  onEscalate?: 'ask' | 'wait';
  /**
   * The app's own permission callback, for asks regent did not make (a tool `unmapped: 'ask'` or
   * `'defer'` sends to the SDK's flow). Never consulted for a call regent escalated. Absent: those
   * asks are denied.
   */
  fallbackCanUseTool?: CanUseTool;
}

type PreOutput = {
  hookSpecificOutput: NonNullable<Extract<HookJSONOutput, { hookSpecificOutput?: unknown }>['hookSpecificOutput']>;
} & HookJSONOutput;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when regent wants a person to approve this exact action first (its `escalate` answer). */
export function isEscalation(d: Decision): boolean {
  return d.decision === 'escalate';
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

/** Values by tool use id, bounded: the oldest goes first. */
class ByToolUse<T> {
  readonly #items = new Map<string, T>();
  set(toolUseId: string, value: T): void {
    if (this.#items.size >= 10_000) this.#items.delete(this.#items.keys().next().value as string);
    this.#items.set(toolUseId, value);
  }
  take(toolUseId: string): T | undefined {
    const v = this.#items.get(toolUseId);
    this.#items.delete(toolUseId);
    return v;
  }
}

/** A call PreToolUse answered `ask` for: regent's escalate, and the session it was asked in. */
interface Escalated {
  tool: string;
  sessionId: string;
  decision: Decision;
}

/** The callbacks, sharing what PreToolUse decided with `canUseTool` and PostToolUse. */
export interface RegentCallbacks {
  preToolUse(input: PreToolUseHookInput, toolUseId: string | undefined, signal?: AbortSignal): Promise<HookJSONOutput>;
  postToolUse(
    input: PostToolUseHookInput,
    toolUseId: string | undefined,
    signal?: AbortSignal,
  ): Promise<HookJSONOutput>;
  /** The SDK's permission callback: waits for regent's approval of a call PreToolUse answered `ask` for. */
  canUseTool: CanUseTool;
}

/** The PreToolUse and PostToolUse callbacks and `canUseTool`, for `options.hooks` or as functions. */
export function regentHookCallbacks(options: RegentHookOptions): RegentCallbacks {
  const links = new ByToolUse<string>();
  const escalated = new ByToolUse<Escalated>();
  const principal = options.agent.principal_token;
  const waitMs = Math.max(0, options.approvalWaitMs ?? 0);
  const call = (signal?: AbortSignal) => ({
    ...(principal === undefined ? {} : { principalToken: principal }),
    ...(signal === undefined ? {} : { signal }),
  });
  const link = (toolUseId: string, decisionId: string | null) => {
    if (decisionId !== null) links.set(toolUseId, decisionId);
  };
  /** Why an escalated call did not run, for the model and the person reading along. */
  const refused = (tool: string, d: Decision, waited: boolean) => {
    if (d.decision === 'escalate')
      return describeDenial(
        d,
        `regent escalated ${tool}${waited ? ` and nobody decided within ${waitMs} ms` : ''}; it did not run`,
      );
    return describeDenial(d, `regent denied ${tool}`);
  };

  return {
    async preToolUse(input, toolUseId, signal) {
      const id = toolUseId ?? input.tool_use_id;
      const mapping = options.tools[input.tool_name];
      if (mapping === undefined) {
        const unmapped = options.unmapped ?? 'deny';
        return pre(
          unmapped,
          unmapped === 'defer' ? undefined : `regent has no mapping for the tool ${input.tool_name}`,
        );
      }
      const args = isObject(input.tool_input) ? input.tool_input : {};
      const request = toolCallRequest(mapping, args, options.agent, input.session_id);
      let decision = await options.client.decide(request, call(signal));
      let waited = false;
      if (decision.decision === 'escalate' && waitMs > 0) {
        if ((options.onEscalate ?? 'ask') === 'ask') {
          escalated.set(id, { tool: input.tool_name, sessionId: input.session_id, decision });
          return pre(
            'ask',
            describeDenial(
              decision,
              `regent escalated ${input.tool_name}: a person approves it in regent before it runs`,
            ),
          );
        }
        decision = await options.client.decideAfterApproval(request, decision, {
          ...call(signal),
          deadlineMs: waitMs,
        });
        waited = true;
      }
      link(id, decision.decision_id);
      if (decision.decision === 'allow') return pre('allow');
      // Without a wait, an escalation is a deny naming the approval: its queue binds the exact
      // payload, and a local 'ask' answered by anyone but regent would go past it.
      if (decision.decision === 'deny' || decision.decision === 'escalate')
        return pre('deny', refused(input.tool_name, decision, waited));
      const updated = withPayload(mapping, args, decision.payload);
      if (!isObject(updated))
        return pre('deny', `regent redacted the input of ${input.tool_name} into something that is not an object`);
      return pre('allow', describeDenial(decision, `regent redacted the input of ${input.tool_name}`), updated);
    },

    async canUseTool(toolName, input, opts): Promise<PermissionResult> {
      const pending = escalated.take(opts.toolUseID);
      const mapping = options.tools[toolName];
      if (pending === undefined || mapping === undefined || pending.tool !== toolName) {
        if (pending === undefined && options.fallbackCanUseTool !== undefined)
          return (
            (await options.fallbackCanUseTool(toolName, input, opts)) ?? deny('no answer to the permission request')
          );
        return deny(`regent did not ask for a person's approval of this call of ${toolName}; it is refused`);
      }
      // The input the SDK would run, in the session PreToolUse saw: if it is not the escalated
      // action, regent's answer is a new request and the call is refused.
      const request = toolCallRequest(mapping, input, options.agent, pending.sessionId);
      const decision = await options.client.decideAfterApproval(request, pending.decision, {
        ...call(opts.signal),
        deadlineMs: waitMs,
      });
      link(opts.toolUseID, decision.decision_id);
      if (decision.decision === 'allow') return { behavior: 'allow', updatedInput: input, toolUseID: opts.toolUseID };
      if (decision.decision === 'redact') {
        const updated = withPayload(mapping, input, decision.payload);
        if (!isObject(updated))
          return deny(`regent redacted the input of ${toolName} into something that is not an object`);
        return { behavior: 'allow', updatedInput: updated, toolUseID: opts.toolUseID };
      }
      return deny(refused(toolName, decision, true));
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

function deny(message: string): PermissionResult {
  return { behavior: 'deny', message };
}

/**
 * `options.hooks` for `query()` from the callbacks: regent before and after every tool call. A
 * hook that fails blocks the call (`onFailure: 'block'`; the SDK's default lets it go ahead), and
 * a PreToolUse that waits for a person is given the time it needs.
 */
function matchers(
  callbacks: RegentCallbacks,
  options: RegentHookOptions,
): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  const preHook: HookCallback = (input, toolUseId, { signal }) =>
    input.hook_event_name === 'PreToolUse' ? callbacks.preToolUse(input, toolUseId, signal) : Promise.resolve({});
  const postHook: HookCallback = (input, toolUseId, { signal }) =>
    input.hook_event_name === 'PostToolUse' ? callbacks.postToolUse(input, toolUseId, signal) : Promise.resolve({});
  const waits = (options.approvalWaitMs ?? 0) > 0 && options.onEscalate === 'wait';
  // Two regent calls and the wait, with room: past it the SDK stops the hook (and the call).
  const preTimeout = waits ? Math.ceil(((options.approvalWaitMs ?? 0) + 60_000) / 1000) : undefined;
  return {
    PreToolUse: [
      { hooks: [preHook], onFailure: 'block', ...(preTimeout === undefined ? {} : { timeout: preTimeout }) },
    ],
    PostToolUse: [{ hooks: [postHook], onFailure: 'block' }],
  };
}

/** `options.hooks` for `query()`: regent before and after every tool call. */
export function regentHooks(options: RegentHookOptions): Partial<Record<HookEvent, HookCallbackMatcher[]>> {
  return matchers(regentHookCallbacks(options), options);
}

/**
 * `options.hooks` and `options.canUseTool` for `query()`, sharing what PreToolUse decided: with
 * `approvalWaitMs`, an escalated call is asked about and `canUseTool` waits for regent's
 * approval. Pass both, and no other `canUseTool` (put the app's own in `fallbackCanUseTool`).
 */
export function regentPermissions(options: RegentHookOptions): {
  hooks: Partial<Record<HookEvent, HookCallbackMatcher[]>>;
  canUseTool: CanUseTool;
} {
  const callbacks = regentHookCallbacks(options);
  return { hooks: matchers(callbacks, options), canUseTool: callbacks.canUseTool };
}
