/** `GET /metrics`: the app's Prometheus registry in the text exposition format. */
import { Router } from 'express';
import type { Registry } from 'prom-client';

/** Routes for metrics. */
export function metricsRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
