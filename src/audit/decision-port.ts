/**
 * Adapter from the decision service's AuditPort (src/decision/ports.ts) to an AuditStore, so
 * the service keeps its own record shape and the trail keeps its schema. The shape is restated
 * structurally here rather than imported, so src/audit does not depend on src/decision.
 */
import { emptyDataFlow, type DecisionEntry } from './record.ts';
import type { AuditStore } from './store.ts';

/** The decision service's audit record (structurally `DecisionAuditRecord`). */
export interface ServiceDecisionRecord {
  decision_id: string;
  time: string;
  agent: string;
  on_behalf_of: string | null;
  session_id: string | null;
  step: number | null;
  tool: string;
  kind: string;
  flow: {
    resource?: { system: string | null; id: string | null; labels: string[]; classification: string | null };
    sources: { system: string; labels: string[]; classification: string | null }[];
    destination: { system: string | null; id?: string | null; audience: string | null; recipients: number };
  };
  detections: string[];
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reason_codes: string[];
  redacted_paths: string[];
  revision: string | null;
  input_digest: string;
  latency_ms: number;
  phase?: 'result';
  parent_decision_id?: string;
  observed?: { decision: 'deny' | 'redact' | 'escalate'; reason_codes: string[] };
}

/** Maps the service's record to a trail entry. */
export function toDecisionEntry(record: ServiceDecisionRecord): DecisionEntry {
  return {
    type: 'decision',
    decision_id: record.decision_id,
    time: record.time,
    agent: { id: record.agent, on_behalf_of: record.on_behalf_of },
    session: record.session_id === null ? null : { id: record.session_id, step: record.step ?? 0 },
    tool: record.tool,
    kind: record.kind,
    data_flow: {
      ...emptyDataFlow(),
      ...(record.flow.resource === undefined ? {} : { resource: record.flow.resource }),
      sources: record.flow.sources.map((s) => ({
        system: s.system,
        labels: s.labels,
        classification: s.classification,
      })),
      destination: {
        system: record.flow.destination.system,
        ...(record.flow.destination.id === undefined ? {} : { id: record.flow.destination.id }),
        audience: record.flow.destination.audience,
        recipients: [],
        recipient_count: record.flow.destination.recipients,
      },
    },
    detections: record.detections,
    decision: record.decision,
    reason_codes: record.reason_codes,
    redacted_paths: record.redacted_paths,
    policy_revision: record.revision,
    input_digest: record.input_digest,
    // Integer microseconds: floats would make the canonical encoding language-dependent.
    latency_us: Math.max(0, Math.round(record.latency_ms * 1000)),
    ...(record.phase === undefined ? {} : { phase: record.phase }),
    ...(record.parent_decision_id === undefined ? {} : { parent_decision_id: record.parent_decision_id }),
    ...(record.observed === undefined ? {} : { observed: record.observed }),
  };
}

/** An AuditPort backed by `store`: resolves once durable, rejects AuditUnavailableError otherwise. */
export function auditPort(store: AuditStore): { appendDecision(record: ServiceDecisionRecord): Promise<void> } {
  return {
    async appendDecision(record) {
      await store.append(toDecisionEntry(record));
    },
  };
}
