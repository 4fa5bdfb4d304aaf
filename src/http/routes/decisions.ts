/** `POST /v1/decisions`: validates the request and answers allow, deny or redact. */
import { Router } from 'express';
import type { DecisionService } from '../../decision/decision-service.ts';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../../decision/decision-request.ts';
import type { Logger } from '../../observability/logger.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';

/** Limits of the decision routes. */
export interface DecisionLimits {
  maxBodyBytes: number;
  maxBatch: number;
  maxBatchBodyBytes: number;
}

/** Routes for single and batch decisions. */
export function decisionRoutes(decisions: DecisionService, limits: DecisionLimits): Router {
  const router = Router();
  const validate = compileValidator<DecisionRequest>(DECISION_REQUEST_SCHEMA, 'decision request');
  const validateBatch = compileValidator<{ decisions: DecisionRequest[] }>(
    {
      type: 'object',
      additionalProperties: false,
      required: ['decisions'],
      properties: {
        decisions: {
          type: 'array',
          minItems: 1,
          maxItems: limits.maxBatch,
          items: { $ref: DECISION_REQUEST_SCHEMA.$id },
        },
      },
    },
    'batch request',
  );
  // One invalid item rejects the whole batch before anything is decided: bad input changes nothing.
  router.post('/v1/decisions/batch', ...jsonBody(limits.maxBatchBodyBytes), async (req, res) => {
    const batch = validateBatch(req.body);
    res.json({ results: await decisions.decideBatch(batch.decisions, res.locals['log'] as Logger) });
  });
  router.post('/v1/decisions', ...jsonBody(limits.maxBodyBytes), async (req, res) => {
    const request = validate(req.body);
    const response = await decisions.decide(request, res.locals['log'] as Logger);
    res.json(response);
  });
  return router;
}
