/**
 * OPA-format decision logs: every decision as an OPA decision-log event, on stdout when
 * REGENT_DECISION_LOG_FORMAT=opa and uploaded to an OPA-compatible decision-log service when
 * REGENT_DECISION_LOG_URL is set (batched, gzip, retried with backoff, bounded buffer, flushed on
 * shutdown). Owns only reporting: it imports the decision service's types, the logger and the
 * request scope; the decision service calls it through {@link DecisionLogSink}.
 */
export {
  DECISION_PATH,
  opaEvent,
  type DecisionLogEntry,
  type OpaDecisionEvent,
  type OpaEventSettings,
} from './opa-event.ts';
export { opaDecisionLogSink, type DecisionLogSink } from './sink.ts';
export { DecisionLogUploader, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, type UploaderSettings } from './uploader.ts';
