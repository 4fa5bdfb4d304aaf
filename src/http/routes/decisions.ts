/** `POST /v1/decisions`: validates the request and answers allow, deny or redact. */
import { Router } from 'express';
import type { DecisionService } from '../../decision/decision-service.ts';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../../decision/decision-request.ts';
import type { Logger } from '../../observability/logger.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';

/** Routes for decisions. */
export function decisionRoutes(decisions: DecisionService, maxBodyBytes: number): Router {
  const router = Router();
  const validate = compileValidator<DecisionRequest>(DECISION_REQUEST_SCHEMA, 'decision request');
  router.post('/v1/decisions', ...jsonBody(maxBodyBytes), async (req, res) => {
    const request = validate(req.body);
    const response = await decisions.decide(request, res.locals['log'] as Logger);
    res.json(response);
  });
  return router;
}
