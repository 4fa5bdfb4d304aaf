/**
 * Health endpoints: `/health/live` (the process answers), `/health/ready` (503 until a policy
 * revision is active) and `/health` in OPA's style (200 `{}` when ready, 500 with an error when
 * not; `?bundles` asks whether bundles are activated, which for regent is the same question).
 */
import { Router } from 'express';
import type { PolicyStore } from '../../policy/policy-store.ts';

/** Routes for health checks. */
export function healthRoutes(policies: PolicyStore): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', (_req, res) => {
    const active = policies.current();
    if (active === undefined) res.status(503).json({ status: 'not_ready', reason: 'no policy revision is loaded' });
    else res.json({ status: 'ready', revision: active.revision });
  });
  router.get('/health', (_req, res) => {
    if (policies.current() === undefined) res.status(500).json({ error: 'no policy revision is loaded' });
    else res.json({});
  });
  return router;
}
