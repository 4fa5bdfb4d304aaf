/**
 * Authentication and scopes for every route mounted after it. The scope a request needs comes
 * from one table, matched by express's own router (so a path the table sees is the path the
 * routes see: same case folding, same trailing-slash rule), and every route the table does not
 * name needs `admin`: a router added later is closed until someone decides otherwise.
 */
import { Router, type Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../errors/regent-error.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AUTH_FAILURES } from '../../observability/metrics.ts';
import type { Authenticator } from '../../security/authenticator.ts';
import { ANONYMOUS, type Identity, type Scope } from '../../security/identity.ts';
import { peerCertificate } from '../../security/tls-server.ts';
import { notARouteTable } from './allowed-methods.ts';

/** One row of the scope table: requests matching `method` and `path` need `scope`. */
export interface RouteScope {
  readonly method: 'all' | 'get' | 'post';
  /** An express path pattern. */
  readonly path: string;
  readonly scope: Scope;
}

/**
 * Routes that need less than `admin`. Health endpoints are mounted before authentication and
 * need nothing; `GET|POST /v1/data/*` are OPA Data API reads, while PUT/PATCH/DELETE on
 * `/v1/data` change data and so fall through to `admin`.
 */
export const ROUTE_SCOPES: readonly RouteScope[] = [
  { method: 'all', path: '/metrics', scope: 'metrics' },
  { method: 'all', path: '/v1/decisions{/*rest}', scope: 'decide' },
  { method: 'all', path: '/v1/results', scope: 'decide' },
  { method: 'all', path: '/v1/agents/tools', scope: 'decide' },
  { method: 'get', path: '/v1/data{/*rest}', scope: 'decide' },
  { method: 'post', path: '/v1/data{/*rest}', scope: 'decide' },
  { method: 'post', path: '/', scope: 'decide' },
  // SCIM provisioning (src/directory): the identity provider's credential, and nothing else.
  { method: 'all', path: '/scim/v2{/*rest}', scope: 'scim' },
  // Approvers read the queue and approve or reject escalated actions (src/approvals), nothing else.
  { method: 'get', path: '/v1/approvals{/*rest}', scope: 'approve' },
  { method: 'post', path: '/v1/approvals/:id/approve', scope: 'approve' },
  { method: 'post', path: '/v1/approvals/:id/reject', scope: 'approve' },
];

/** Why {@link authorize} refused a request. */
export type AuthFailure = (typeof AUTH_FAILURES)[number];

const REALM = 'Bearer realm="regent"';
const needed = new WeakMap<Request, Scope>();
const callers = new WeakMap<Request, Identity>();

/** The caller of a request that passed {@link authorize} (ANONYMOUS when authentication is off). */
export function callerOf(req: Request): Identity {
  return callers.get(req) ?? ANONYMOUS;
}

/**
 * Identifies the caller and checks the scope the table asks for: 401 without a valid credential,
 * 403 without the scope. `onFailure` hears of each refusal (regent_auth_failures_total), so
 * token guessing or a client with a revoked token shows on a dashboard, not only in logs.
 */
export function authorize(
  auth: Authenticator,
  table: readonly RouteScope[] = ROUTE_SCOPES,
  onFailure: (result: AuthFailure) => void = () => undefined,
): Router {
  // Its routes tag the scope a request needs and answer nothing: not part of the 405's Allow.
  const router = notARouteTable(Router());
  for (const row of table) {
    router[row.method](row.path, (req, _res, next) => {
      if (!needed.has(req)) needed.set(req, row.scope);
      next();
    });
  }
  router.use((req, res, next) => {
    const outcome = auth.identify(req.headers.authorization, peerCertificate(req.socket));
    const log = res.locals['log'] as Logger | undefined;
    if (outcome.kind === 'missing') {
      onFailure('missing');
      res.setHeader('www-authenticate', REALM);
      next(new UnauthorizedError('authentication required: send a bearer token or a client certificate'));
      return;
    }
    if (outcome.kind === 'invalid') {
      onFailure('invalid');
      log?.info('authentication failed', { reason: outcome.reason, remote: req.socket.remoteAddress });
      res.setHeader('www-authenticate', `${REALM}, error="invalid_token"`);
      next(new UnauthorizedError('the credential is not valid'));
      return;
    }
    const identity = outcome.identity;
    callers.set(req, identity);
    if (log !== undefined && identity.auth !== null) res.locals['log'] = log.child({ caller: identity.id });
    const scope = needed.get(req) ?? 'admin';
    if (!identity.scopes.has(scope)) {
      onFailure('forbidden');
      if (identity.auth === 'bearer')
        res.setHeader('www-authenticate', `${REALM}, error="insufficient_scope", scope="${scope}"`);
      next(new ForbiddenError(scope));
      return;
    }
    next();
  });
  return router;
}
