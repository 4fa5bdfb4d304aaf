/**
 * The admin routes of the policy lifecycle in one router: the Policy API, shadow mode and
 * status. None is in the scope table (src/http/middleware/authorize.ts), so all need `admin`;
 * keeping them together keeps that one line in src/app.ts.
 */
import { Router } from 'express';
import type { PolicyLibrary } from '../../policy/policy-library.ts';
import type { PolicyStore } from '../../policy/policy-store.ts';
import type { ShadowRunner } from '../../policy/shadow.ts';
import type { AdminTrail } from '../admin-audit.ts';
import type { BundleSourceStatus } from '../../policy/bundle/bundle-poller.ts';
import { policyRoutes } from './policies.ts';
import { shadowRoutes } from './shadow.ts';
import { statusRoutes } from './status.ts';
import type { ReplicasState } from '../../observability/replicas.ts';

/** What the policy admin routes need. */
export interface PolicyAdminDeps {
  policies: PolicyStore;
  /** Undefined when regent serves a bundle file rather than a policy directory. */
  library: PolicyLibrary | undefined;
  shadow: ShadowRunner;
  shadowPolicyDir: string;
  maxPolicyBytes: number;
  trail: AdminTrail;
  /** The bundle server source, for /v1/status. */
  remote?: { status(): BundleSourceStatus | undefined };
  /** Replicas' heartbeats, for /v1/status (src/observability/replicas.ts). */
  replicas?: { state(): ReplicasState | null };
}

/** Routes for `/v1/policies`, `/v1/shadow` and `/v1/status`. */
export function policyAdminRoutes(deps: PolicyAdminDeps): Router {
  const router = Router();
  router.use(policyRoutes(deps.library, deps.maxPolicyBytes, deps.trail));
  router.use(shadowRoutes({ shadow: deps.shadow, shadowPolicyDir: deps.shadowPolicyDir, trail: deps.trail }));
  router.use(statusRoutes(deps));
  return router;
}
