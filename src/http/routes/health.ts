/**
 * Health endpoints: `/health/live` (the process answers), `/health/ready` (503 until a policy
 * revision is active) and `/health` in OPA's style (200 `{}` when ready, 500 with an error when
 * not; `?bundles` asks whether bundles are activated, which for regent is the same question).
 * A later load that fails (a bad bundle, a policy directory that stops compiling) leaves regent
 * ready on the previous revision; readiness says so without the error, which only the
 * authenticated `/v1/status` carries. Once a shutdown drain begins both readiness answers turn
 * not-ready at once, while decisions are still served until the drain delay ends. Readiness is
 * also 503, with the evaluator's reason, while the active revision's evaluations keep aborting
 * (Evaluator.health: a run of consecutive aborts with no completed evaluation between).
 */
import { Router } from 'express';
import type { PolicyStore } from '../../policy/policy-store.ts';
import type { DrainState } from '../server/drain-state.ts';

/** Routes for health checks. */
export function healthRoutes(policies: PolicyStore, drain?: DrainState): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', (_req, res) => {
    if (drain?.draining === true) {
      res.status(503).json({ status: 'not_ready', reason: 'shutting down' });
      return;
    }
    const active = policies.current();
    if (active === undefined) {
      res.status(503).json({ status: 'not_ready', reason: 'no policy revision is loaded' });
      return;
    }
    // A replica whose evaluations keep aborting is not answering by its policy (issue 17).
    const health = active.evaluator.health();
    if (!health.ready) {
      res.status(503).json({
        status: 'not_ready',
        reason: health.reason ?? 'policy evaluations keep aborting',
        revision: active.revision,
      });
      return;
    }
    res.json({
      status: 'ready',
      revision: active.revision,
      activated_at: active.activatedAt.toISOString(),
      last_load_ok: policies.lastLoad()?.ok ?? true,
    });
  });
  router.get('/health', (req, res) => {
    if (drain?.draining === true) res.status(500).json({ error: 'shutting down' });
    else if (policies.current() === undefined) {
      const error = 'bundles' in req.query ? 'not all bundles have been activated' : 'no policy revision is loaded';
      res.status(500).json({ error });
    } else res.json({});
  });
  return router;
}
