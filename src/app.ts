/**
 * Builds the express app from its dependencies, without a socket, so tests drive it in-process
 * and src/main.ts only wires the process (config, listen, signals).
 */
import express, { type Express, type RequestHandler } from 'express';
import type { DecisionService } from './decision/decision-service.ts';
import type { PrincipalVerifier } from './identity/index.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import type { DataApi } from './policy/data-api.ts';
import type { PolicyStore } from './policy/policy-store.ts';
import type { Authenticator } from './security/authenticator.ts';
import type { DrainState } from './http/server/drain-state.ts';
import { scimRoutes, type Directory } from './directory/index.ts';
import { registerAdminTrail } from './http/admin-audit.ts';
import { ROUTE_SCOPES, authorize } from './http/middleware/authorize.ts';
import { errorHandler, notFound } from './http/middleware/errors.ts';
import { answerOptions } from './http/middleware/options.ts';
import { requestContext } from './http/middleware/request-context.ts';
import { decisionRoutes, type DecisionLimits } from './http/routes/decisions.ts';
import { agentToolsRoutes } from './http/routes/agent-tools.ts';
import { auditRoutes } from './http/routes/audit.ts';
import { healthRoutes } from './http/routes/health.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { opaDataRoutes } from './http/routes/opa-data.ts';
import { openApiRoutes } from './http/routes/openapi.ts';
import { policyAdminRoutes, type PolicyAdminDeps } from './http/routes/policy-admin.ts';
import { sessionRoutes, type SessionRouteDeps } from './http/routes/sessions.ts';
import { approvalRoutes } from './http/routes/approvals.ts';
import type { Approvals } from './approvals/index.ts';
import { consoleRoutes } from './console/index.ts';
import { auditStreamRoutes } from './http/routes/audit-stream.ts';
import { playgroundRoutes } from './http/routes/playground.ts';

/** What the app is built from. */
export interface AppDeps {
  policies: PolicyStore;
  decisions: DecisionService;
  metrics: Metrics;
  logger: Logger;
  limits: DecisionLimits;
  /** Identifies callers (off when no tokens and no client CA are configured). */
  auth: Authenticator;
  /** Session store and audit trail for the admin routes. */
  admin: SessionRouteDeps;
  /** OPA's Data API on the active revision (decide scope). */
  dataApi: DataApi;
  /** Policy API, shadow mode and status (admin scope; admin records go to `admin.trail`). */
  lifecycle: Omit<PolicyAdminDeps, 'trail'>;
  /** The SCIM principal directory served at /scim/v2 (scope `scim`); null or absent: SCIM is off. */
  directory?: Directory | null;
  /** Verifies principal tokens for the decision routes; null or absent: verification is off. */
  principals?: PrincipalVerifier | null;
  /** Approval requests of escalated actions (scope `approve`); absent: no approvals API. */
  approvals?: Approvals;
  /** Draining for shutdown: readiness answers 503. */
  drain?: DrainState;
  /** W3C trace context and server spans (src/observability/tracing/http.ts), after the request context. */
  traceRequests?: RequestHandler;
  /** REGENT_AUDIT_STREAM_MAX_SECONDS: how long one decision stream stays open (default 300). */
  auditStreamMaxSeconds?: number;
}

/** Creates the HTTP app. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger, deps.metrics));
  if (deps.traceRequests !== undefined) app.use(deps.traceRequests);
  app.use(answerOptions);
  app.use(healthRoutes(deps.policies, deps.drain));
  // The API description is public like health: it holds no data (src/http/routes/openapi.ts).
  app.use(openApiRoutes({ ...deps.limits, maxPolicyBytes: deps.lifecycle.maxPolicyBytes }));
  // The operator console's static page is public like the API description: it holds no data, and
  // every call it makes carries the operator's token (src/console/).
  app.use(consoleRoutes());
  // Every route below needs a credential with a scope: those named in ROUTE_SCOPES
  // (src/http/middleware/authorize.ts), `admin` for anything else. Mount new routers below this.
  app.use(authorize(deps.auth, ROUTE_SCOPES, (result) => deps.metrics.authFailures.labels(result).inc()));
  registerAdminTrail(app, deps.admin.trail, deps.logger);
  app.use(metricsRoutes(deps.metrics.registry));
  app.use(decisionRoutes(deps.decisions, deps.limits, deps.principals ?? null));
  app.use(agentToolsRoutes(deps.policies, deps.limits.maxBodyBytes));
  app.use(
    opaDataRoutes(deps.dataApi, deps.limits.maxBodyBytes, {
      service: deps.decisions,
      principals: deps.principals ?? null,
    }),
  );
  app.use(sessionRoutes(deps.admin));
  app.use(auditRoutes(deps.admin));
  // The console's live decisions and policy playground (admin scope; src/console).
  app.use(
    auditStreamRoutes({
      auditReader: () => deps.admin.auditReader(),
      drain: deps.drain,
      ...(deps.auditStreamMaxSeconds === undefined ? {} : { maxSeconds: deps.auditStreamMaxSeconds }),
    }),
  );
  app.use(
    playgroundRoutes({
      policies: deps.policies,
      shadow: deps.lifecycle.shadow,
      maxBodyBytes: deps.limits.maxBodyBytes,
    }),
  );
  const approvals = deps.approvals;
  if (approvals !== undefined) app.use(approvalRoutes(() => approvals.service(), deps.limits.maxBodyBytes));
  app.use(policyAdminRoutes({ ...deps.lifecycle, trail: deps.admin.trail }));
  if (deps.directory != null) app.use('/scim/v2', ...scimRoutes(deps.directory, deps.admin.trail));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
