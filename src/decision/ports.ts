/**
 * What the decision service needs from the stores around it. The implementations live in
 * src/flow/ (session state, activity windows) and src/audit/ (the trail); the service depends on
 * these shapes only, so tests and replicas can plug in the memory, Redis or PostgreSQL ones.
 */

/** Session flow state as the policy sees it (`input.session`). */
export interface SessionView {
  id: string;
  labels: string[];
  systems: string[];
  classification: string | null;
  steps: number;
  first_seen: string | null;
  last_seen: string | null;
}

/** Effects a decision applies to its session. */
export interface SessionUpdate {
  add_labels: string[];
  add_systems: string[];
  classification: string | null;
  declassify: string[];
}

/** Session state with optimistic concurrency: commit succeeds only on an unchanged version. */
export interface SessionPort {
  load(id: string): Promise<{ view: SessionView; version: number }>;
  commit(id: string, expectedVersion: number, update: SessionUpdate): Promise<boolean>;
}

/** One action, as the activity windows count it. */
export interface ActivityEvent {
  decision: 'allow' | 'deny' | 'redact';
  restrictedRead: boolean;
  system: string | null;
  bytesOut: number;
}

/** Sliding-window counters (`input.activity`). */
export interface ActivityPort {
  read(agentId: string, sessionId: string | null): Promise<Record<string, unknown>>;
  record(agentId: string, sessionId: string | null, event: ActivityEvent): Promise<void>;
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
    sources: { system: string; labels: string[]; classification: string | null }[];
    destination: { system: string | null; audience: string | null; recipients: number };
  };
  detections: string[];
  decision: 'allow' | 'deny' | 'redact';
  reason_codes: string[];
  redacted_paths: string[];
  revision: string | null;
  input_digest: string;
  latency_ms: number;
}

/** The audit trail: `append` resolves only once the record is durable. */
export interface AuditPort {
  appendDecision(record: DecisionAuditRecord): Promise<void>;
}
