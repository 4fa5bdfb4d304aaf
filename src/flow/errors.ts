/**
 * Errors of the flow stores. A store that cannot answer must say so loudly: returning an empty
 * session would tell the policy "this agent has read nothing yet", which is exactly the state in
 * which a Chinese wall lets everything through.
 */
import { RegentError } from '../errors/regent-error.ts';

/** The session or activity store could not be read or written (Redis down, timed out, corrupt record). */
export class SessionStoreUnavailableError extends RegentError {
  constructor(message: string, cause?: unknown) {
    super('session.store_unavailable', 503, message, cause === undefined ? {} : { cause });
  }
}

/** Effects that are not well-formed (a programming error in the caller, never a policy outcome). */
export class InvalidSessionEffectsError extends RegentError {
  constructor(message: string) {
    super('session.invalid_effects', 500, message);
  }
}

/** The session kept changing under a decision for more attempts than allowed; the caller denies. */
export class SessionConflictError extends RegentError {
  constructor(id: string, attempts: number) {
    super('session.conflict', 409, `session ${JSON.stringify(id)} changed during ${attempts} attempts`);
  }
}
