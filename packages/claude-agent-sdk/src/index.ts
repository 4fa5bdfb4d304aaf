/**
 * @regent/claude-agent-sdk: regent before and after every tool call of a Claude Agent SDK agent
 * (`regentHooks` or `regentPermissions` for `query()`) or of Claude Code (the `regent-claude-hook`
 * command hook). It reaches regent only through @regent/client; the SDK is a peer dependency,
 * used for its types.
 */
export {
  regentHooks,
  regentHookCallbacks,
  regentPermissions,
  isEscalation,
  type RegentCallbacks,
  type RegentHookOptions,
} from './hooks.ts';
export { runCommandHook, type CommandHookConfig } from './command-hook.ts';
