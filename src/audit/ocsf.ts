/**
 * Export mapping to OCSF-style events (class API Activity, 6003), so a SIEM can ingest the trail
 * with field names it already knows. Only fields with a clear OCSF home are mapped; the whole
 * original record rides along in `unmapped.regent` so the chain can still be verified from an
 * export (regent audit verify --ocsf).
 */
import type { AuditRecord } from './record.ts';

/** OCSF schema version the field names follow. */
export const OCSF_VERSION = '1.3.0';

const API_ACTIVITY = 6003;
const APPLICATION_ACTIVITY = 6;

/** OCSF activity ids of API Activity. */
const ACTIVITY: Record<string, { id: number; name: string }> = {
  read: { id: 2, name: 'Read' },
  write: { id: 3, name: 'Update' },
  delete: { id: 4, name: 'Delete' },
  change: { id: 3, name: 'Update' },
  activate: { id: 3, name: 'Update' },
  create: { id: 1, name: 'Create' },
};

/** OCSF action ids: what the control did to the activity. */
const ACTION: Record<string, { id: number; name: string }> = {
  allow: { id: 1, name: 'Allowed' },
  deny: { id: 2, name: 'Denied' },
  redact: { id: 4, name: 'Modified' },
  // OCSF has no action for "waits for a person": Other, named.
  escalate: { id: 99, name: 'Escalated' },
};

/** One OCSF-style event. */
export type OcsfEvent = Record<string, unknown>;

/** Maps one trail record to an OCSF-style API Activity event. */
export function toOcsf(record: AuditRecord): OcsfEvent {
  const base = {
    class_uid: API_ACTIVITY,
    class_name: 'API Activity',
    category_uid: APPLICATION_ACTIVITY,
    category_name: 'Application Activity',
    time: Date.parse(record.time),
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'regent', vendor_name: 'regent' },
      log_name: 'regent.audit',
      sequence: record.seq,
      ...(record.type === 'decision' ? { uid: record.decision_id } : {}),
    },
    unmapped: { regent: record },
  };
  if (record.type === 'decision') {
    const activity = ACTIVITY[record.kind] ?? { id: 99, name: record.kind };
    const action = ACTION[record.decision] ?? { id: 99, name: record.decision };
    return {
      ...base,
      activity_id: activity.id,
      activity_name: activity.name,
      type_uid: API_ACTIVITY * 100 + activity.id,
      action_id: action.id,
      action: action.name,
      message: record.reason_codes.join(', '),
      actor: {
        app_uid: record.agent.id,
        app_name: record.agent.id,
        ...(record.agent.on_behalf_of === null ? {} : { user: { uid: record.agent.on_behalf_of } }),
        ...(record.session === null ? {} : { session: { uid: record.session.id } }),
        authorizations: [
          { decision: record.decision, policy: { uid: 'regent/decision', version: record.policy_revision } },
        ],
      },
      api: {
        operation: record.tool,
        service: { name: record.data_flow.destination?.system ?? record.data_flow.resource?.system ?? null },
      },
      duration: Math.round(record.latency_us / 1000),
    };
  }
  if (record.type === 'admin') {
    const verb = record.action.split('.').at(-1) ?? '';
    const activity = ACTIVITY[verb] ?? { id: 99, name: record.action };
    return {
      ...base,
      activity_id: activity.id,
      activity_name: activity.name,
      type_uid: API_ACTIVITY * 100 + activity.id,
      status_id: record.outcome === 'success' ? 1 : 2,
      status: record.outcome === 'success' ? 'Success' : 'Failure',
      message: record.action,
      actor: {
        user: { uid: record.actor.id },
        ...(record.actor.auth === null ? {} : { authorizations: [{ decision: record.actor.auth }] }),
      },
      api: { operation: record.action },
      ...(record.target === null ? {} : { resources: [{ type: record.target.kind, uid: record.target.id }] }),
    };
  }
  return {
    ...base,
    activity_id: 99,
    activity_name: 'Checkpoint',
    type_uid: API_ACTIVITY * 100 + 99,
    message: `signed head seq ${record.checkpoint.seq}`,
    api: { operation: 'audit.checkpoint' },
  };
}

/** Gets the original record back out of an exported event (for verification). */
export function fromOcsf(event: unknown): unknown {
  if (event === null || typeof event !== 'object') return null;
  const unmapped = (event as { unmapped?: { regent?: unknown } }).unmapped;
  return unmapped?.regent ?? null;
}
