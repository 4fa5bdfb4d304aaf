/**
 * A regent decision as an OPA decision-log event (EventV1 of OPA's v1/plugins/logs/plugin.go):
 * `labels` {id, version}, `decision_id`, `trace_id`/`span_id`, `bundles.{name}.revision`, `path`,
 * `input`, `result`, `erased`/`masked` (JSON pointers of what was left out or replaced),
 * `error`, `requested_by`, `timestamp` and `metrics`. Masking follows regent's logging settings,
 * not a mask policy: the input only with REGENT_DECISION_LOG_INPUTS, payload values only with
 * REGENT_LOG_PAYLOADS (and then the redacted payload), never for a deny.
 */
import type { DecisionResponse } from '../../decision/decision-service.ts';
import type { RequestScope } from '../request-scope.ts';

/** What the decision service reports about one answered decision. */
export interface DecisionLogEntry {
  response: DecisionResponse;
  /** The policy input as evaluated; undefined when the decision failed before it was built. */
  inputJson: string | undefined;
  latencyMs: number;
  /** The fail-closed reason code, when the deny came from a failure rather than the policy. */
  failureCode: string | undefined;
}

/** OPA's decision-log event, as regent fills it. */
export interface OpaDecisionEvent {
  labels: { id: string; version: string };
  decision_id: string;
  trace_id?: string;
  span_id?: string;
  bundles?: Record<string, { revision: string }>;
  path: string;
  input?: unknown;
  result: {
    decision: string;
    reasons: { code: string; message: string }[];
    redactions: { path: string; reason: string }[];
  };
  erased?: string[];
  masked?: string[];
  error?: { code: string; message: string };
  requested_by?: string;
  timestamp: string;
  metrics: Record<string, number>;
}

/** The event settings that do not change per decision. */
export interface OpaEventSettings {
  /** This process's id (labels.id), as OPA's instance id. */
  instanceId: string;
  /** regent's version (labels.version). */
  version: string;
  /** The name events give the serving bundle in `bundles`. */
  bundleName: string;
  /** REGENT_DECISION_LOG_INPUTS: include the policy input, `payload` removed. */
  logInputs: boolean;
  /** REGENT_LOG_PAYLOADS: include the (redacted) payload of an allowed or redacted action. */
  logPayloads: boolean;
}

/** The data path regent's decisions answer on, as OPA logs it (no `data.` prefix). */
export const DECISION_PATH = 'regent/decision';

/** Builds the event of one decision. */
export function opaEvent(
  entry: DecisionLogEntry,
  scope: RequestScope | undefined,
  settings: OpaEventSettings,
  now: Date,
): OpaDecisionEvent {
  const { response } = entry;
  const event: OpaDecisionEvent = {
    labels: { id: settings.instanceId, version: settings.version },
    decision_id: response.decision_id,
    path: DECISION_PATH,
    result: { decision: response.decision, reasons: response.reasons, redactions: response.redactions },
    timestamp: now.toISOString(),
    metrics: { timer_server_handler_ns: Math.round(entry.latencyMs * 1e6) },
  };
  if (scope?.traceId !== undefined) event.trace_id = scope.traceId;
  if (scope?.spanId !== undefined) event.span_id = scope.spanId;
  if (response.policy.revision !== null)
    event.bundles = { [settings.bundleName]: { revision: response.policy.revision } };
  if (scope?.requestedBy !== undefined && scope.requestedBy !== '') event.requested_by = scope.requestedBy;
  if (entry.failureCode !== undefined) {
    const reason = response.reasons.find((r) => r.code === entry.failureCode);
    event.error = { code: entry.failureCode, message: reason?.message ?? '' };
  }
  if (entry.inputJson === undefined) return event;
  if (!settings.logInputs) {
    event.erased = ['/input'];
    return event;
  }
  const input = JSON.parse(entry.inputJson) as Record<string, unknown>;
  if (Object.hasOwn(input, 'payload')) {
    if (settings.logPayloads && response.decision === 'allow') {
      // The input already holds what the policy allowed.
    } else if (settings.logPayloads && response.decision === 'redact') {
      input['payload'] = response.payload;
      event.masked = response.redactions.map((r) => `/input${r.path}`);
    } else {
      delete input['payload'];
      event.erased = ['/input/payload'];
    }
  }
  event.input = input;
  return event;
}
