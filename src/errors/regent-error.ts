/**
 * The one error catalogue. Every error that reaches the HTTP layer is a RegentError with a
 * stable snake_case `code`, an HTTP `status` and an optional `cause`; the error middleware maps
 * each one to a single body shape `{code, message, errors?}` (OPA's error body).
 */

/** One entry of an error body's `errors[]`, in OPA's shape. */
export interface ErrorDetail {
  code: string;
  message: string;
  location?: { file: string; row: number; col: number };
  /** JSON pointer of the offending field in a request body, when known. */
  path?: string;
}

/** Base class for every error regent raises on purpose. */
export class RegentError extends Error {
  /** Stable machine-readable code (OPA's codes where they exist). */
  readonly code: string;
  /** HTTP status the error maps to. */
  readonly status: number;
  /** Detail entries for the body's `errors[]`. */
  readonly errors: readonly ErrorDetail[];

  constructor(
    code: string,
    status: number,
    message: string,
    options: { cause?: unknown; errors?: readonly ErrorDetail[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.errors = options.errors ?? [];
  }
}

/** A request that is malformed or fails schema validation (400). */
export class InvalidParameterError extends RegentError {
  constructor(message: string, errors: readonly ErrorDetail[] = []) {
    super('invalid_parameter', 400, message, { errors });
  }
}

/** A request body over the configured size limit (413). */
export class PayloadTooLargeError extends RegentError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `request body exceeds ${limitBytes} bytes`);
  }
}

/** A request body that is not JSON (415). */
export class UnsupportedMediaTypeError extends RegentError {
  constructor(message = 'request body must be application/json') {
    super('unsupported_media_type', 415, message);
  }
}

/** A route or document that does not exist (404). */
export class NotFoundError extends RegentError {
  constructor(message: string, code = 'resource_not_found') {
    super(code, 404, message);
  }
}

/** The service cannot answer yet, e.g. no policy revision is loaded (503). */
export class NotReadyError extends RegentError {
  constructor(message: string) {
    super('not_ready', 503, message);
  }
}

/** Anything unexpected: the caller gets a short message, the log gets the cause (500). */
export class InternalError extends RegentError {
  constructor(cause: unknown) {
    super('internal_error', 500, 'internal error', { cause });
  }
}

/** A request without a valid credential (401); the caller must authenticate. */
export class UnauthorizedError extends RegentError {
  constructor(message: string) {
    super('unauthorized', 401, message);
  }
}

/** An authenticated caller whose credential lacks the scope a route needs (403). */
export class ForbiddenError extends RegentError {
  constructor(scope: string) {
    super('forbidden', 403, `this credential lacks the "${scope}" scope`);
  }
}

/**
 * A principal (`agent.on_behalf_of`) regent was told to verify and could not: no token, or a token
 * that is invalid, expired, for another issuer, audience or agent (401). See src/identity/.
 */
export class PrincipalUnverifiedError extends RegentError {
  constructor(message: string, cause?: unknown) {
    super('principal_unverified', 401, message, cause === undefined ? {} : { cause });
  }
}

/** The keys that verify principal tokens cannot be fetched or read: fail closed (503). */
export class PrincipalKeysUnavailableError extends RegentError {
  constructor(cause: unknown) {
    super('principal_keys_unavailable', 503, 'principal verification keys are unavailable', { cause });
  }
}
