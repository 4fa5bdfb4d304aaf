/**
 * `POST /v1/decisions`: validates the request, applies the verified principal (src/identity:
 * the principal token header replaces `agent.on_behalf_of`), and answers allow, deny or redact.
 */
import { Router } from 'express';
import type { DecisionService } from '../../decision/decision-service.ts';
import {
  DECISION_REQUEST_SCHEMA,
  RESULT_REQUEST_SCHEMA,
  type DecisionRequest,
  type ResultRequest,
} from '../../decision/decision-request.ts';
import { applyPrincipal, applyPrincipalToBatch, type PrincipalVerifier } from '../../identity/index.ts';
import type { Logger } from '../../observability/logger.ts';
import { callerOf } from '../middleware/authorize.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';

/** Limits of the decision routes. */
export interface DecisionLimits {
  maxBodyBytes: number;
  maxBatch: number;
  maxBatchBodyBytes: number;
}

/** JSON Schema of a batch request (its items refer to the decision request schema by `$id`); the OpenAPI document uses it too. */
export function batchRequestSchema(maxBatch: number) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['decisions'],
    properties: {
      decisions: {
        type: 'array',
        minItems: 1,
        maxItems: maxBatch,
        items: { $ref: DECISION_REQUEST_SCHEMA.$id },
      },
    },
  } as const;
}

/**
 * Routes for single and batch decisions. `principals` null (the default) is principal
 * verification off: `on_behalf_of` passes as the caller declared it.
 */
export function decisionRoutes(
  decisions: DecisionService,
  limits: DecisionLimits,
  principals: PrincipalVerifier | null = null,
): Router {
  const router = Router();
  const validate = compileValidator<DecisionRequest>(DECISION_REQUEST_SCHEMA, 'decision request');
  const validateResult = compileValidator<ResultRequest>(RESULT_REQUEST_SCHEMA, 'result request');
  const validateBatch = compileValidator<{ decisions: DecisionRequest[] }>(
    batchRequestSchema(limits.maxBatch),
    'batch request',
  );
  // One invalid item, or one whose principal cannot be verified, rejects the whole batch before
  // anything is decided: bad input changes nothing. The header's principal applies to every item.
  router.post('/v1/decisions/batch', ...jsonBody(limits.maxBatchBodyBytes), async (req, res) => {
    const batch = validateBatch(req.body);
    const { requests, principalVerified } = await applyPrincipalToBatch(batch.decisions, req.headers, principals);
    res.json({
      results: await decisions.decideBatch(requests, res.locals['log'] as Logger, {
        principalVerified,
        caller: callerOf(req),
      }),
    });
  });
  // The result phase: what a tool returned, decided before the agent sees it.
  router.post('/v1/results', ...jsonBody(limits.maxBodyBytes), async (req, res) => {
    const body = validateResult(req.body);
    const { request, principalVerified } = await applyPrincipal(
      { agent: body.agent, action: body.action },
      req.headers,
      principals,
    );
    res.json(
      await decisions.decideResult({ ...body, agent: request.agent }, res.locals['log'] as Logger, {
        principalVerified,
        caller: callerOf(req),
      }),
    );
  });
  router.post('/v1/decisions', ...jsonBody(limits.maxBodyBytes), async (req, res) => {
    const { request, principalVerified } = await applyPrincipal(validate(req.body), req.headers, principals);
    const response = await decisions.decide(request, res.locals['log'] as Logger, {
      principalVerified,
      caller: callerOf(req),
    });
    res.json(response);
  });
  return router;
}
