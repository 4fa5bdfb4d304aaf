/**
 * The approvals' errors, in regent's one catalogue (src/errors/regent-error.ts): each has a
 * stable code and an HTTP status the error middleware maps to `{code, message}`.
 */
import { RegentError } from '../errors/regent-error.ts';

/** The approval store cannot be read or written: escalated actions are denied (fail closed), the API answers 503. */
export class ApprovalStoreUnavailableError extends RegentError {
  constructor(message: string, cause?: unknown) {
    super('approval.store_unavailable', 503, message, cause === undefined ? {} : { cause });
  }
}

/** The approval is no longer pending (approved, rejected, expired or used): 409. */
export class ApprovalConflictError extends RegentError {
  constructor(message: string, code = 'approval.not_pending') {
    super(code, 409, message);
  }
}

/** The approver is the agent that asked, or the credential that asked: 403. */
export class SelfApprovalError extends RegentError {
  constructor() {
    super('approval.self_approval', 403, 'an agent cannot approve or reject its own request');
  }
}
