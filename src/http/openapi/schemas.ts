/**
 * The response and error schemas of the OpenAPI document. Request schemas are not here: they are
 * the ones the routes validate with (decision-request.ts, the batch schema in decisions.ts),
 * taken as they are, so the description cannot drift from what regent enforces.
 */
import { ACTION_KINDS } from '../../decision/decision-request.ts';

/** The error codes regent answers with (src/errors/regent-error.ts and the errors beside each capability). */
export const ERROR_CODES = [
  'invalid_parameter',
  'unauthorized',
  'principal_unverified',
  'forbidden',
  'resource_not_found',
  'undefined_document',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'bundle_error',
  'invalid_redaction_path',
  'redaction_limit_exceeded',
  'session.conflict',
  'internal_error',
  'evaluation_error',
  'audit.invalid_record',
  'audit.corrupt',
  'session.invalid_effects',
  'finding_mismatch',
  'scan_incomplete',
  'not_ready',
  'principal_keys_unavailable',
  'audit.unavailable',
  'session.store_unavailable',
  'approval.store_unavailable',
  'approval.not_pending',
  'approval.expired',
  'approval.self_approval',
] as const;

const DECISIONS = ['allow', 'deny', 'redact'] as const;
const str = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;

/** Named schemas for `components.schemas` (the decision request is added by the document builder). */
export const RESPONSE_SCHEMAS = {
  Error: {
    description:
      'Every error: a stable code, a short message, and for validation errors the offending fields. On /v1/decisions and /v1/decisions/batch an error also says `"decision": "deny"`, so a client that reads only `decision` fails closed.',
    type: 'object',
    required: ['code', 'message'],
    additionalProperties: false,
    properties: {
      code: { type: 'string', description: `One of: ${ERROR_CODES.join(', ')}.` },
      message: str,
      errors: { type: 'array', items: { $ref: '#/components/schemas/ErrorDetail' } },
      decision: { const: 'deny' },
    },
  },
  ErrorDetail: {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: str,
      message: str,
      path: { type: 'string', description: 'JSON pointer of the offending field in the request body.' },
      location: {
        type: 'object',
        required: ['file', 'row', 'col'],
        properties: { file: str, row: { type: 'integer' }, col: { type: 'integer' } },
      },
    },
  },
  Reason: {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)+$' },
      message: str,
      details: { type: 'object' },
      alternative: str,
    },
  },
  DecisionResponse: {
    type: 'object',
    required: ['decision_id', 'decision', 'reasons', 'redactions', 'policy'],
    additionalProperties: false,
    properties: {
      decision_id: str,
      decision: {
        enum: [...DECISIONS, 'escalate'],
        description:
          '`escalate`: a person must approve this exact action; ask again with the identical request once `approval` is decided (docs/policy-contract.md).',
      },
      reasons: { type: 'array', items: { $ref: '#/components/schemas/Reason' } },
      redactions: {
        type: 'array',
        items: { type: 'object', required: ['path', 'reason'], properties: { path: str, reason: str } },
      },
      payload: { description: 'The payload with the redactions applied (decision redact only).' },
      approval: { $ref: '#/components/schemas/ApprovalRef' },
      observed: {
        description:
          'The agent is in observe mode: the answer is an allow, and this is what the policy would have answered.',
        type: 'object',
        required: ['decision', 'reasons'],
        properties: { decision: { enum: ['deny', 'redact', 'escalate'] }, reasons: { type: 'array' } },
      },
      policy: { type: 'object', required: ['revision'], properties: { revision: nullableString } },
    },
  },
  ResultResponse: {
    description:
      'The result phase: on `redact` the redacted tool output under `result`; on `allow` the original passes, on `deny` nothing does.',
    type: 'object',
    required: ['decision_id', 'decision', 'reasons', 'redactions', 'policy'],
    additionalProperties: false,
    properties: {
      decision_id: str,
      decision: { enum: DECISIONS },
      reasons: { type: 'array', items: { $ref: '#/components/schemas/Reason' } },
      redactions: {
        type: 'array',
        items: { type: 'object', required: ['path', 'reason'], properties: { path: str, reason: str } },
      },
      result: { description: 'The tool output with the redactions applied (decision redact only).' },
      policy: { type: 'object', required: ['revision'], properties: { revision: nullableString } },
    },
  },
  BatchResponse: {
    type: 'object',
    required: ['results'],
    additionalProperties: false,
    properties: { results: { type: 'array', items: { $ref: '#/components/schemas/DecisionResponse' } } },
  },
  SessionState: {
    type: 'object',
    required: ['id', 'labels', 'systems', 'classification', 'steps', 'first_seen', 'last_seen', 'version'],
    properties: {
      id: str,
      labels: { type: 'array', items: str },
      systems: { type: 'array', items: str },
      classification: nullableString,
      steps: { type: 'integer', minimum: 0 },
      first_seen: str,
      last_seen: str,
      version: { type: 'integer', minimum: 0 },
    },
  },
  SessionSteps: {
    type: 'object',
    required: ['session_id', 'steps', 'truncated'],
    properties: {
      session_id: str,
      truncated: { type: 'boolean' },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['seq', 'time', 'step', 'decision_id', 'tool', 'kind', 'decision'],
          properties: {
            seq: { type: 'integer' },
            time: str,
            step: { type: 'integer' },
            decision_id: str,
            agent: { type: 'object' },
            tool: str,
            kind: { enum: ACTION_KINDS },
            decision: { enum: DECISIONS },
            reason_codes: { type: 'array', items: str },
            redacted_paths: { type: 'array', items: str },
            detections: { type: 'array', items: str },
            policy_revision: nullableString,
          },
        },
      },
    },
  },
  AuditPage: {
    type: 'object',
    required: ['records', 'next_cursor'],
    properties: {
      records: { type: 'array', items: { type: 'object', required: ['type', 'seq'] } },
      next_cursor: nullableString,
    },
  },
  DataResponse: {
    description: "OPA's Data API answer; `result` is absent when the document is undefined for the input.",
    type: 'object',
    required: ['decision_id'],
    properties: {
      decision_id: str,
      result: {},
      provenance: { type: 'object' },
      metrics: { type: 'object', additionalProperties: { type: 'integer' } },
      warning: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } },
    },
  },
  PolicyModule: {
    type: 'object',
    required: ['id', 'raw'],
    properties: { id: str, raw: str, origin: str },
  },
  PolicyChange: {
    type: 'object',
    required: ['result'],
    properties: {
      result: {
        type: 'object',
        required: ['id', 'revision', 'activated'],
        properties: { id: str, revision: nullableString, activated: { type: 'boolean' } },
      },
    },
  },
  Result: {
    description: 'A document wrapped as `{"result": ...}`, as OPA wraps its API answers.',
    type: 'object',
    required: ['result'],
    properties: { result: {} },
  },
  Ready: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['ready', 'not_ready'] },
      reason: str,
      revision: str,
      activated_at: str,
      last_load_ok: { type: 'boolean' },
    },
  },
} as const;
