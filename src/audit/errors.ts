/**
 * Typed audit errors. A decision that cannot be recorded must not be served as an allow, so the
 * decision service turns `AuditUnavailableError` into a deny (fail closed) and a 503 for admin
 * calls; the other two are programming or integrity faults that must stop the caller too.
 */
import { RegentError } from '../errors/regent-error.ts';

/** The trail cannot durably accept records right now (disk full, EIO, database down, closed). */
export class AuditUnavailableError extends RegentError {
  constructor(message: string, cause?: unknown) {
    super('audit.unavailable', 503, message, cause === undefined ? {} : { cause });
  }
}

/** An entry handed to `append` breaks the record schema; a bug in the caller, never data. */
export class AuditRecordError extends RegentError {
  constructor(message: string) {
    super('audit.invalid_record', 500, message);
  }
}

/** The stored trail fails verification in a way a crash cannot explain; an operator must look. */
export class AuditCorruptError extends RegentError {
  constructor(message: string) {
    super('audit.corrupt', 500, message);
  }
}

/** A query parameter (cursor, limit, time bound) is malformed. */
export class AuditQueryError extends RegentError {
  constructor(message: string) {
    super('invalid_parameter', 400, message);
  }
}
