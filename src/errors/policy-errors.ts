/**
 * Typed errors for the policy engine. opa-wasm throws plain strings and plain objects; the
 * engine converts every one of them into one of these at the boundary, so nothing untyped
 * travels further. Each carries the reason code a fail-closed deny reports.
 */
import { RegentError } from './regent-error.ts';

/** Reason codes a policy failure turns into; a closed set (used as a metric label). */
export const POLICY_FAILURE_CODES = [
  'policy.evaluation_error',
  'policy.undefined_result',
  'policy.invalid_result',
  'policy.evaluation_timeout',
  'policy.not_loaded',
  'policy.memory_exceeded',
  'policy.builtin_error',
] as const;

/** One of {@link POLICY_FAILURE_CODES}. */
export type PolicyFailureCode = (typeof POLICY_FAILURE_CODES)[number];

/** The policy could not produce a usable decision; the caller denies with `reasonCode`. */
export class PolicyEvaluationError extends RegentError {
  /** The deny reason code this failure maps to. */
  readonly reasonCode: PolicyFailureCode;

  constructor(reasonCode: PolicyFailureCode, message: string, cause?: unknown) {
    super('evaluation_error', 500, message, cause === undefined ? {} : { cause });
    this.reasonCode = reasonCode;
  }
}

/** A bundle that cannot be read, verified or loaded. */
export class BundleError extends RegentError {
  constructor(message: string, cause?: unknown) {
    super('bundle_error', 400, message, cause === undefined ? {} : { cause });
  }
}

/** Describes any thrown value (string, plain object, Error) without leaking input values. */
export function describeThrown(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  if (thrown instanceof Error) return thrown.message;
  if (thrown !== null && typeof thrown === 'object' && 'message' in thrown) {
    const message = thrown.message;
    if (typeof message === 'string') return message;
  }
  return 'unknown error';
}
