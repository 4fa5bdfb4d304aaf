/**
 * Typed errors for redaction. Redaction paths come from the policy, so a malformed path or a
 * fan-out past the limit is a fault of the decision, not of the caller: the decision service
 * must turn either into a deny (fail closed), never into a partly redacted allow.
 */
import { RegentError } from '../../errors/regent-error.ts';

/** A redaction path that is not a JSON pointer under the payload root (RFC 6901 plus `*`). */
export class RedactionPathError extends RegentError {
  /** The offending path, for the log line; it names fields, never payload values. */
  readonly path: string;

  constructor(path: string, message: string) {
    super('invalid_redaction_path', 500, `invalid redaction path: ${message}`);
    this.path = path;
  }
}

/** The redactions match more payload values (or walk more nodes) than the limits allow. */
export class RedactionLimitError extends RegentError {
  /** The limit that was exceeded. */
  readonly limit: number;

  constructor(limit: number, what = 'payload values') {
    super('redaction_limit_exceeded', 500, `redactions match more than ${limit} ${what}`);
    this.limit = limit;
  }
}

/** A detector finding that does not point at a string range of the payload it is applied to. */
export class FindingMismatchError extends RegentError {
  constructor(message: string) {
    super('finding_mismatch', 500, `finding does not fit the payload: ${message}`);
  }
}

/** Text a typed redaction had to scan lay past the scan limits, so its absence of findings proves nothing. */
export class ScanIncompleteError extends RegentError {
  constructor(path: string) {
    super('scan_incomplete', 500, `text under ${path} is longer than the scan limits; it cannot be masked by type`);
  }
}
