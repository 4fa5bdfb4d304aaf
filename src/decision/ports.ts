/**
 * What the decision service needs from the stores around it. The implementations live in
 * src/flow/ (session state, activity windows) and src/audit/ (the trail); the service depends on
 * these shapes only, so tests and replicas can plug in the memory, Redis or PostgreSQL ones.
 */
import type { ResourceTaint } from '../catalogue/resolve.ts';
import type { DecisionRequest } from './decision-request.ts';
import type { Reason } from './policy-result.ts';
import type { SessionValues } from '../integrity/provenance.ts';

/** Session flow state as the policy sees it (`input.session`). */
export interface SessionView {
  id: string;
  labels: string[];
  systems: string[];
  classification: string | null;
  steps: number;
  first_seen: string | null;
  last_seen: string | null;
  /** Integrity taint: tools whose untrusted output entered (absent or empty: none has). */
  untrusted_sources?: string[];
  /** More untrusted values entered than regent keeps, so an unrecognised value may be one of them. */
  untrusted_values_overflow?: boolean;
}

/** Effects a decision applies to its session. */
export interface SessionUpdate {
  add_labels: string[];
  add_systems: string[];
  classification: string | null;
  declassify: string[];
  /** Integrity taint of a result: the tool, when untrusted content came back. */
  add_untrusted_sources?: string[];
  /** Hashes of the values untrusted and trusted output carried (src/integrity). */
  add_untrusted_values?: string[];
  add_trusted_values?: string[];
}

/** What writes left on resources, read back by later reads in any session (src/flow/resource-taint-store.ts). */
export interface ResourceTaintPort {
  get(system: string, id: string): Promise<ResourceTaint | undefined>;
  add(system: string, id: string, taint: ResourceTaint): Promise<void>;
}

/** Session state with optimistic concurrency: commit succeeds only on an unchanged version. */
export interface SessionPort {
  /** `values`: the value hashes integrity taint keeps, never shown to the policy. */
  load(id: string): Promise<{ view: SessionView; version: number; values?: SessionValues }>;
  commit(id: string, expectedVersion: number, update: SessionUpdate): Promise<boolean>;
}

/** Whose activity counters an action counts in: the agent's, and the session's and principal's when named. */
export interface ActivityKeys {
  agent: string;
  session: string | null;
  /** `agent.on_behalf_of.id`, when the request acts on behalf of someone. */
  principal: string | null;
}

/** What is known of an action before it is decided. */
export interface ActivityIntent {
  /** Whether it is a read the restricted-read burst watches (build-input.ts isRestrictedRead). */
  restrictedRead: boolean;
  /** The system it touches, if any. */
  system: string | null;
}

/** How a reserved action was decided. */
export interface ActivityOutcome {
  decision: 'allow' | 'deny' | 'redact';
  /** The deny is regent's own failure (store or audit trail down, evaluation timeout), not the policy's. */
  fault: boolean;
  /** Bytes an allowed or redacted send or write carries out (0 otherwise). */
  bytesOut: number;
}

/** A counted action awaiting its outcome; opaque beyond `activity`. */
export interface ActivityReservation {
  /** `input.activity`: the counters just before this action. */
  readonly activity: Record<string, unknown>;
}

/**
 * Sliding-window counters (`input.activity`), reserved before the decision and settled after it,
 * so that concurrent decisions (in this process or across replicas) never see the same count.
 */
export interface ActivityPort {
  /**
   * Atomically counts this action (and a restricted read, and the system) for agent, session and
   * principal, and returns the counters as they stood just before it, in-flight reservations of
   * others included: `activity` is what the policy sees as input.activity. Throws when the store
   * cannot answer: the caller denies (fail closed).
   */
  reserve(keys: ActivityKeys, intent: ActivityIntent): Promise<ActivityReservation>;
  /**
   * After the decision: a policy deny adds a denial; a denied action gives back its
   * restricted-read reservation (it read nothing); `fault: true` (regent's own failure) is
   * counted apart as `faults` and never as a denial; bytesOut is added for allowed sends/writes.
   * Never throws for an unknown or already-settled reservation; rejects only when the store
   * cannot be reached (the reservation then stays counted as it was reserved).
   */
  settle(reservation: ActivityReservation, outcome: ActivityOutcome): Promise<void>;
}

/** The decision record the trail keeps (never payload values). */
export interface DecisionAuditRecord {
  decision_id: string;
  time: string;
  agent: string;
  on_behalf_of: string | null;
  session_id: string | null;
  step: number | null;
  tool: string;
  kind: string;
  flow: {
    /** The resource the action reads or writes, as resolved (its id, so a draft can name what was read). */
    resource?: { system: string | null; id: string | null; labels: string[]; classification: string | null };
    sources: { system: string; labels: string[]; classification: string | null }[];
    /** `id`: the channel, list or space a send went to (the destination directory's key). */
    destination: { system: string | null; id?: string | null; audience: string | null; recipients: number };
  };
  detections: string[];
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reason_codes: string[];
  redacted_paths: string[];
  revision: string | null;
  input_digest: string;
  latency_ms: number;
  /** Set on a result-phase step (what a tool returned), with the pre-call decision it answers. */
  phase?: 'result';
  parent_decision_id?: string;
  /** An agent in observe mode: what the policy would have answered (the answer was an allow). */
  observed?: { decision: 'deny' | 'redact' | 'escalate'; reason_codes: string[] };
}

/** The audit trail: `append` resolves only once the record is durable. */
export interface AuditPort {
  appendDecision(record: DecisionAuditRecord): Promise<void>;
}

/** What a decision answers about an approval request (src/approvals). */
export interface ApprovalRefView {
  id: string;
  state: 'pending' | 'approved' | 'rejected' | 'expired' | 'used';
  expires_at: string;
  /** Where a person approves or rejects it. */
  url: string;
}

/** An action the policy escalated, handed to the approvals (src/approvals/approval-service.ts). */
export interface EscalationRequest {
  /** The request as asked, its principal verified when verification is on: what the approval binds. */
  request: DecisionRequest;
  decisionId: string;
  reasons: Reason[];
  revision: string | null;
  /** The credential that asked (null when authentication is off). */
  requestedBy: { id: string; auth: 'bearer' | 'mtls' | null } | null;
}

/** Where an escalated action stands: wait, go ahead once, or the person's no (or nobody's answer). */
export type EscalationOutcome =
  | { kind: 'pending'; approval: ApprovalRefView }
  | { kind: 'approved'; approval: ApprovalRefView; approvedBy: string; reason: string | null }
  | { kind: 'rejected'; approval: ApprovalRefView; rejectedBy: string; reason: string }
  | { kind: 'expired'; approval: ApprovalRefView };

/**
 * Human approval of escalated actions. `escalate` finds or records the request for this exact
 * action; an approved one is consumed by the call that returns `approved` (once, atomically, across
 * replicas). Rejects when the approval store or the trail cannot answer: the caller denies.
 */
export interface ApprovalPort {
  escalate(escalation: EscalationRequest): Promise<EscalationOutcome>;
}
