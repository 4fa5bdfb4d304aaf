/**
 * What an approval request is: the exact action a policy escalated, bound to its digest, and
 * where it stands (pending, approved, rejected, expired, used). Stores keep these documents whole
 * and change them only by compare-and-set on `version`, so two replicas can never both approve,
 * both consume, or both expire the same request.
 */

/** Where an approval request stands. `expired` and `used` are final; `rejected` is final too. */
export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'used'] as const;

/** One of {@link APPROVAL_STATES}. */
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** Who did something to an approval: a token id or certificate CN, as authentication named it. */
export interface Actor {
  id: string;
  auth: 'bearer' | 'mtls' | null;
}

/** A reason the policy gave for escalating (the decision's reasons). */
export interface EscalationReason {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  alternative?: string;
}

/** One approval request, as stored and as `GET /v1/approvals/{id}` shows it. */
export interface Approval {
  id: string;
  /** Bumped by every change; stores update only when it is still the version read. */
  version: number;
  /** sha256 hex of the canonical action (src/approvals/action-digest.ts). */
  digest: string;
  state: ApprovalState;
  created_at: string;
  expires_at: string;
  updated_at: string;
  agent: string;
  on_behalf_of: string | null;
  session_id: string | null;
  tool: string;
  kind: string;
  /** The exact action a person approves: what the digest covers, payload included. */
  action: Record<string, unknown>;
  reasons: EscalationReason[];
  /** The decision that escalated, and the revision that decided it. */
  decision_id: string;
  revision: string | null;
  /** The credential that asked for the action (null when authentication is off). */
  requested_by: Actor | null;
  decided_by: Actor | null;
  decided_at: string | null;
  /** The approver's reason (required to reject). */
  decision_reason: string | null;
  used_at: string | null;
  /** The decision that used the approval. */
  used_by_decision: string | null;
  /** The agent has been answered `escalate.expired` once; its next identical ask is a new request. */
  expiry_reported: boolean;
}

/** What a decision answers about its approval request. */
export interface ApprovalRef {
  id: string;
  state: ApprovalState;
  expires_at: string;
  /** Where a person approves or rejects it (the console). */
  url: string;
}

/** True while an approval can still be decided or used, at `nowMs`. */
export function isOpen(approval: Approval): boolean {
  return approval.state === 'pending' || approval.state === 'approved';
}

/** True when an open approval has passed its expiry at `nowMs`. */
export function hasLapsed(approval: Approval, nowMs: number): boolean {
  return isOpen(approval) && Date.parse(approval.expires_at) <= nowMs;
}
