/**
 * Checks what the policy returned against the contract (docs/policy-contract.md). Anything that
 * is not exactly a well-formed decision is a {@link PolicyEvaluationError} with
 * `policy.invalid_result`, which the caller turns into a deny: a malformed result never allows.
 */
import { Ajv } from 'ajv';
import { PolicyEvaluationError } from '../errors/policy-errors.ts';

/** One reason in a decision. */
export interface Reason {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  alternative?: string;
}

/** One redaction the policy asks for. */
export interface Redaction {
  path: string;
  reason: string;
  /** When set, only these detector findings are masked inside the string at `path`. */
  types?: string[];
}

/** Session effects the policy asks for. */
export interface SessionEffects {
  add_labels?: string[];
  declassify?: string[];
}

/** A policy's decision after validation. */
export interface PolicyDecision {
  /** `escalate`: a person must approve this exact action (src/approvals); its redactions and session effects apply once approved. */
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reasons: Reason[];
  redactions: Redaction[];
  session?: SessionEffects;
}

const text = { type: 'string', maxLength: 4096 } as const;
const RESULT_SCHEMA = {
  type: 'object',
  required: ['decision', 'reasons'],
  properties: {
    decision: { enum: ['allow', 'deny', 'redact', 'escalate'] },
    reasons: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)+$', maxLength: 128 },
          message: text,
          details: { type: 'object' },
          alternative: text,
        },
      },
    },
    redactions: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['path', 'reason'],
        properties: {
          path: { type: 'string', pattern: '^/payload(/.*)?$', maxLength: 1024 },
          reason: text,
          types: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    session: {
      type: 'object',
      properties: {
        add_labels: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 256 },
        declassify: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: 256 },
      },
    },
  },
} as const;

const validate = new Ajv({ strict: true }).compile(RESULT_SCHEMA);

/** Validates a policy result; throws `policy.invalid_result` unless it is a consistent decision. */
export function toPolicyDecision(value: unknown): PolicyDecision {
  if (!validate(value)) {
    const first = validate.errors?.[0];
    throw new PolicyEvaluationError(
      'policy.invalid_result',
      `policy result does not match the contract: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim(),
    );
  }
  const result = value as unknown as PolicyDecision;
  const redactions = result.redactions ?? [];
  if (result.decision === 'deny' && result.reasons.length === 0) {
    throw new PolicyEvaluationError('policy.invalid_result', 'policy denied without a reason');
  }
  if (result.decision === 'escalate' && result.reasons.length === 0) {
    throw new PolicyEvaluationError('policy.invalid_result', 'policy escalated without a reason');
  }
  if (result.decision === 'redact' && redactions.length === 0) {
    throw new PolicyEvaluationError('policy.invalid_result', 'policy asked to redact but named nothing to redact');
  }
  if (result.decision === 'allow' && redactions.length > 0) {
    throw new PolicyEvaluationError('policy.invalid_result', 'policy allowed with redactions; it must say redact');
  }
  return { ...result, redactions };
}
