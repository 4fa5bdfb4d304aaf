/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document (src/http/openapi/), built once. Mounted
 * before authentication, like the health endpoints: it describes the API, holds no data, and
 * client generators and fuzzers fetch it before they have a credential.
 */
import { Router } from 'express';
import { openApiDocument, type OpenApiLimits } from '../openapi/openapi-document.ts';

/** Routes for the API description. */
export function openApiRoutes(limits: OpenApiLimits): Router {
  const router = Router();
  const text = JSON.stringify(openApiDocument(limits));
  router.get('/v1/openapi.json', (_req, res) => {
    res.type('application/json').send(text);
  });
  return router;
}
