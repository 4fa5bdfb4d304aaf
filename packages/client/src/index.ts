/**
 * @regent/client: regent's HTTP contract for agent builders, gateways and adapters. It owns the
 * typed requests and answers, the HTTP exchange and the fail-closed rule; it imports nothing from
 * the server (src/) and nothing from any agent framework.
 */
export { RegentClient, type AllowedTool, type RegentClientOptions, type CallOptions } from './client.ts';
export type { ApprovalStatusAnswer, ApprovalWait, ApprovalWaitOptions } from './approval-wait.ts';
export { CLIENT_CODES, clientDeny } from './answers.ts';
export {
  ACTION_KINDS,
  APPROVAL_STATES,
  type ActionKind,
  type ApprovalState,
  type ApprovalStatus,
  type Decision,
  type DecisionRequest,
  type Reason,
  type RedactionNote,
  type ResultDecision,
  type ResultRequest,
} from './types.ts';
export { describeDenial } from './describe.ts';
export {
  agentOf,
  resolvePointer,
  toolCallRequest,
  withPayload,
  type AgentIdentity,
  type ToolMapping,
} from './tool-mapping.ts';
