/**
 * @regent/claude-agent-sdk: regent before and after every tool call of a Claude Agent SDK agent
 * (`regentHooks` for `query({options: {hooks}})`) or of Claude Code (the `regent-claude-hook`
 * command hook). It reaches regent only through @regent/client; the SDK is a peer dependency,
 * used for its types.
 */
export { regentHooks, regentHookCallbacks, isEscalation, type RegentHookOptions } from './hooks.ts';
export { runCommandHook, type CommandHookConfig } from './command-hook.ts';
