/**
 * What the HTTP layer knows about a request that the decision service reports on (its trace
 * context, who sent it), found through the request's logger: the one per-request object every
 * way into the decision service already hands over (`res.locals.log`). Filled by
 * src/observability/tracing/http.ts only when tracing or OPA decision logs need it; otherwise
 * nothing is stored and lookups answer undefined.
 */
import type { Context } from '@opentelemetry/api';
import type { Logger } from './logger.ts';

/** The trace and caller facts of one request. */
export interface RequestScope {
  /** The server span's context (tracing on), the parent of the request's decision spans. */
  context?: Context;
  /** W3C trace id (32 hex) of the request: the server span's, or the caller's when tracing is off. */
  traceId?: string;
  /** The server span's id (16 hex), when tracing is on. */
  spanId?: string;
  /** `address:port` of the peer, as OPA's `requested_by`. */
  requestedBy?: string;
}

const scopes = new WeakMap<Logger, RequestScope>();

/** Binds `scope` to the request whose logger is `log`. */
export function attachScope(log: Logger, scope: RequestScope): void {
  scopes.set(log, scope);
}

/** The scope of the request whose logger is `log`, or undefined (not an HTTP request, or nothing to tell). */
export function scopeOf(log: Logger): RequestScope | undefined {
  return scopes.get(log);
}
