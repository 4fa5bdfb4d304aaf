/**
 * Reading regent's answers, and the denies this client makes when it has none it can trust. Any
 * answer of the wrong shape is a deny (`client.malformed_answer`), never an allow.
 */
import type { Decision, Reason, RedactionNote, ResultDecision } from './types.ts';

/** The reason codes this client answers with when it fails closed. */
export const CLIENT_CODES = {
  /** The deadline passed before regent answered. */
  timeout: 'client.timeout',
  /** The caller's AbortSignal fired. */
  aborted: 'client.aborted',
  /** No HTTP response: connection refused or reset, DNS, TLS. */
  unreachable: 'client.unreachable',
  /** regent answered with a non-2xx status (its `code` is in the details). */
  httpError: 'client.http_error',
  /** regent answered 2xx with a body that is not a well-formed answer. */
  malformed: 'client.malformed_answer',
} as const;

/** A deny made by the client itself; `details` never carries payload values. */
export function clientDeny(code: string, message: string, details: Record<string, unknown> = {}): Decision {
  const reason: Reason = { code, message };
  if (Object.keys(details).length > 0) reason.details = details;
  return {
    decision_id: null,
    decision: 'deny',
    reasons: [reason],
    redactions: [],
    policy: { revision: null },
    fail_closed: true,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isReason(v: unknown): v is Reason {
  return (
    isObject(v) &&
    typeof v['code'] === 'string' &&
    typeof v['message'] === 'string' &&
    (v['details'] === undefined || isObject(v['details'])) &&
    (v['alternative'] === undefined || typeof v['alternative'] === 'string')
  );
}

function isRedaction(v: unknown): v is RedactionNote {
  return isObject(v) && typeof v['path'] === 'string' && typeof v['reason'] === 'string';
}

/**
 * Checks one answer's shape and its consistency (a deny names a reason, a redact names a
 * redaction and carries the redacted value under `valueKey`, an allow redacts nothing).
 * Returns the reason it is malformed, or null.
 */
export function malformation(body: unknown, valueKey: 'payload' | 'result', hadValue: boolean): string | null {
  if (!isObject(body)) return 'the answer is not a JSON object';
  const { decision_id, decision, reasons, redactions, policy } = body;
  if (typeof decision_id !== 'string' || decision_id === '') return 'decision_id is missing';
  if (decision !== 'allow' && decision !== 'deny' && decision !== 'redact' && decision !== 'escalate')
    return 'decision is not allow, deny, redact or escalate';
  if (!Array.isArray(reasons) || !reasons.every(isReason)) return 'reasons is not a list of {code, message}';
  if (!Array.isArray(redactions) || !redactions.every(isRedaction)) return 'redactions is not a list of {path, reason}';
  if (!isObject(policy) || !(typeof policy['revision'] === 'string' || policy['revision'] === null))
    return 'policy.revision is missing';
  if ((decision === 'deny' || decision === 'escalate') && reasons.length === 0) return `a ${decision} without a reason`;
  if (decision === 'allow' && redactions.length > 0) return 'an allow with redactions';
  if (decision === 'redact' && redactions.length === 0) return 'a redact without a redaction';
  if (decision === 'redact' && hadValue && !(valueKey in body)) return `a redact without the redacted ${valueKey}`;
  return null;
}

/** A checked decision answer, or a deny saying why it could not be trusted. */
export function readDecision(body: unknown, hadPayload: boolean): Decision {
  const problem = malformation(body, 'payload', hadPayload);
  if (problem !== null) return clientDeny(CLIENT_CODES.malformed, `regent's answer was malformed: ${problem}`);
  return body as Decision;
}

/** A checked result-phase answer, or a deny saying why it could not be trusted. */
export function readResultDecision(body: unknown): ResultDecision {
  const problem = malformation(body, 'result', true);
  if (problem !== null) return clientDeny(CLIENT_CODES.malformed, `regent's answer was malformed: ${problem}`);
  return body as ResultDecision;
}
