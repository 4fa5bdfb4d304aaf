/**
 * The HTTP contract with regent, as types: what `POST /v1/decisions`, `/v1/decisions/batch`,
 * `/v1/results` and `GET /v1/decisions/approvals/{id}` accept and answer. Copied from the server
 * (src/decision/decision-request.ts, decision-service.ts, src/http/routes/approvals.ts), which this
 * package must not import; test/tool-path/client-contract.test.ts fails when the two drift apart.
 */

/** Kinds of action an agent may take: a closed set. */
export const ACTION_KINDS = ['read', 'write', 'send', 'delete', 'execute'] as const;

/** One kind of action. */
export type ActionKind = (typeof ACTION_KINDS)[number];

/** A decision request: who acts, with which tool, on what, toward where, with which payload. */
export interface DecisionRequest {
  agent: {
    id: string;
    roles?: string[];
    on_behalf_of?: { id: string; groups?: string[]; clearance?: string };
  };
  action: {
    tool: string;
    kind: ActionKind;
    resource?: { system?: string; id?: string; labels?: string[]; classification?: string };
  };
  data_flow?: {
    sources?: { system: string; labels?: string[]; classification?: string }[];
    destination?: {
      system?: string;
      id?: string;
      audience?: string;
      recipients?: { id: string; clearance?: string }[];
    };
    fields?: { path: string; labels: string[] }[];
  };
  payload?: unknown;
  session?: { id: string };
  context?: Record<string, unknown>;
}

/** A result-phase request: the action as it was decided, and what the tool returned. */
export interface ResultRequest {
  agent: DecisionRequest['agent'];
  action: DecisionRequest['action'];
  session?: { id: string };
  /** The pre-call decision's id, linking both steps in the audit trail. */
  decision_id?: string;
  result: unknown;
  context?: Record<string, unknown>;
}

/** Why regent (or this client, for `client.*` codes) decided as it did. */
export interface Reason {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  alternative?: string;
}

/** One value regent removed: a JSON pointer (`*` for every key or index) and why. Treat `path` as opaque text. */
export interface RedactionNote {
  path: string;
  reason: string;
}

/** Where an approval request stands. `rejected`, `expired` and `used` are final. */
export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'used'] as const;

/** One of {@link APPROVAL_STATES}. */
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** What `GET /v1/decisions/approvals/{id}` answers: the state, never the action. */
export interface ApprovalStatus {
  id: string;
  state: ApprovalState;
  expires_at: string;
  /** The approver's reason, once a person decided. */
  reason?: string;
}

/** Fields every answer has, from regent or made by this client when it could not get one. */
interface AnswerBase {
  /** regent's decision id; null when the client failed closed without an answer. */
  decision_id: string | null;
  /** `escalate`: the action waits for a person's approval (`approval`); treat it as not allowed now. */
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reasons: Reason[];
  redactions: RedactionNote[];
  /** The approval request of an escalated action. */
  approval?: {
    id: string;
    state: ApprovalState;
    expires_at: string;
    url: string;
  };
  policy: { revision: string | null };
  /** The `x-request-id` of the HTTP exchange (sent by the client, echoed by regent). */
  request_id?: string;
  /** Present (true) when the client denied on its own: transport error, timeout, non-2xx, malformed answer. */
  fail_closed?: true;
}

/** The answer to a decision request. On `redact`, `payload` is what may be sent instead. */
export interface Decision extends AnswerBase {
  payload?: unknown;
}

/** The answer of the result phase. On `allow` pass the original output; on `redact` pass `result`; on `deny` none. */
export interface ResultDecision extends AnswerBase {
  result?: unknown;
}
