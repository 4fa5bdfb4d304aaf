/**
 * regent's OpenAPI 3.1 document, generated from the schemas the routes validate with and served
 * at `GET /v1/openapi.json`. This folder owns the description of the HTTP API; it imports the
 * request schemas and the scope table and nothing that serves a request. A test compares its
 * paths with the router stack, so a route cannot be added without being described here.
 */
import pkg from '../../../package.json' with { type: 'json' };
import { DECISION_REQUEST_SCHEMA, RESULT_REQUEST_SCHEMA } from '../../decision/decision-request.ts';
import { batchRequestSchema, type DecisionLimits } from '../routes/decisions.ts';
import { AGENT_TOOLS_REQUEST_SCHEMA } from '../routes/agent-tools.ts';
import { adminPaths } from './admin-paths.ts';
import { APPROVAL_SCHEMAS, approvalPaths } from './approval-paths.ts';
import { consolePaths } from './console-paths.ts';
import { dataApiPaths } from './data-api-paths.ts';
import { errorResponses, operation, queryParam, type Json } from './operations.ts';
import { RESPONSE_SCHEMAS } from './schemas.ts';

/** The limits the document states (the same ones the routes enforce). */
export interface OpenApiLimits extends DecisionLimits {
  maxPolicyBytes: number;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const DECISION_REF = '#/components/schemas/DecisionRequest';

/** A deep copy of a validator's schema for the document: no `$id`, `$ref`s by `$id` pointed at components. */
function forDocument(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forDocument);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    out[key] = key === '$ref' && value === DECISION_REQUEST_SCHEMA.$id ? DECISION_REF : forDocument(value);
  }
  return out;
}

/** Builds the document for an app with `limits`. */
export function openApiDocument(limits: OpenApiLimits): Json {
  const json = (schema: Json, maxBytes: number, required = true) =>
    ({ kind: 'json', schema, required, maxBytes }) as const;
  const paths: Record<string, Record<string, Json>> = {
    '/health/live': {
      get: operation({
        id: 'getLiveness',
        summary: 'The process answers',
        tag: 'health',
        scope: null,
        ok: { status: 200, description: 'Alive.', schema: { type: 'object', required: ['status'] } },
      }),
    },
    '/health/ready': {
      get: operation({
        id: 'getReadiness',
        summary: 'A policy revision is active and no shutdown has begun',
        tag: 'health',
        scope: null,
        ok: { status: 200, description: 'Ready.', schema: ref('Ready') },
        more: { '503': { description: 'Not ready.', content: { 'application/json': { schema: ref('Ready') } } } },
      }),
    },
    '/health': {
      get: operation({
        id: 'getHealth',
        summary: "Health in OPA's shape",
        tag: 'health',
        scope: null,
        parameters: [queryParam('bundles', { type: 'string' }, 'Ask whether bundles are activated (OPA).')],
        ok: { status: 200, description: 'Healthy: `{}`.', schema: { type: 'object' } },
        more: {
          '500': {
            description: "Not healthy (OPA's answer): no revision loaded, or shutting down.",
            content: { 'application/json': { schema: { type: 'object', required: ['error'] } } },
          },
        },
      }),
    },
    '/v1/openapi.json': {
      get: operation({
        id: 'getOpenApi',
        summary: 'This document',
        tag: 'health',
        scope: null,
        ok: {
          status: 200,
          description: 'The OpenAPI 3.1 document.',
          schema: { type: 'object', required: ['openapi'] },
        },
      }),
    },
    '/metrics': {
      get: operation({
        id: 'getMetrics',
        summary: 'Prometheus metrics',
        tag: 'operations',
        scope: 'metrics',
        ok: {
          status: 200,
          description: 'Text exposition format.',
          schema: { type: 'string' },
          mediaType: 'text/plain',
        },
      }),
    },
    '/v1/decisions': {
      post: operation({
        id: 'decide',
        summary: 'Decide one tool call: allow, deny or redact',
        tag: 'decisions',
        scope: 'decide',
        body: json(ref('DecisionRequest'), limits.maxBodyBytes),
        ok: { status: 200, description: 'The decision.', schema: ref('DecisionResponse') },
        decisionErrors: true,
      }),
    },
    '/v1/decisions/batch': {
      post: operation({
        id: 'decideBatch',
        summary: 'Decide several tool calls in order, on one revision',
        tag: 'decisions',
        scope: 'decide',
        body: json(forDocument(batchRequestSchema(limits.maxBatch)) as Json, limits.maxBatchBodyBytes),
        ok: { status: 200, description: 'One decision per item, in order.', schema: ref('BatchResponse') },
        decisionErrors: true,
      }),
    },
    '/v1/results': {
      post: operation({
        id: 'decideResult',
        summary: 'Decide what a tool returned, before the agent sees it (the result phase)',
        tag: 'decisions',
        scope: 'decide',
        body: json(ref('ResultRequest'), limits.maxBodyBytes),
        ok: { status: 200, description: 'The decision on the output.', schema: ref('ResultResponse') },
      }),
    },
    '/v1/agents/tools': {
      post: operation({
        id: 'agentTools',
        summary: 'Which tools an agent may call at all (the registry), with no side effect (for a gateway tools/list)',
        tag: 'decisions',
        scope: 'decide',
        body: json(forDocument(AGENT_TOOLS_REQUEST_SCHEMA) as Json, limits.maxBodyBytes),
        ok: {
          status: 200,
          description:
            'The tools its roles grant, with their kinds and system; nothing is decided, counted or audited.',
          schema: {
            type: 'object',
            required: ['agent', 'known', 'tools', 'policy'],
            properties: {
              agent: { type: 'string' },
              known: { type: 'boolean' },
              tools: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['tool', 'kinds', 'system'],
                  properties: {
                    tool: { type: 'string' },
                    kinds: { type: 'array', items: { type: 'string' } },
                    system: { type: ['string', 'null'] },
                  },
                },
              },
              policy: { type: 'object', properties: { revision: { type: ['string', 'null'] } } },
            },
          },
        },
      }),
    },
    ...dataApiPaths(limits),
    ...adminPaths(limits),
    ...approvalPaths(limits),
    ...consolePaths(limits),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'regent',
      version: pkg.version,
      summary: 'A policy decision point for AI agents.',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ bearer: [] }, { clientCertificate: [] }],
    tags: ['decisions', 'opa', 'sessions', 'audit', 'policies', 'approvals', 'operations', 'health'].map((name) => ({
      name,
    })),
    paths,
    components: {
      schemas: {
        DecisionRequest: forDocument(DECISION_REQUEST_SCHEMA),
        ResultRequest: forDocument(RESULT_REQUEST_SCHEMA),
        ...RESPONSE_SCHEMAS,
        ...APPROVAL_SCHEMAS,
      },
      responses: {
        ...errorResponses(),
        MethodNotAllowed: {
          description: 'A method the path does not answer (`method_not_allowed`); `Allow` lists those it does.',
          headers: { Allow: { required: true, schema: { type: 'string' } } },
          content: { 'application/json': { schema: ref('Error') } },
        },
      },
      headers: {
        'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750).', schema: { type: 'string' } },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from the tokens file (REGENT_TOKENS_FILE).' },
        clientCertificate: { type: 'mutualTLS', description: 'A client certificate signed by REGENT_TLS_CLIENT_CA.' },
      },
    },
  };
}

const DESCRIPTION = `Before an agent's tool call runs, ask regent whether it may: allow, deny or redact, with reasons.

**Authentication.** With tokens (REGENT_TOKENS_FILE) or client certificates configured, every route
except \`/health*\` and this document needs a credential carrying the scope named by the operation's
\`x-regent-scope\` (\`decide\`, \`metrics\` or \`admin\`): 401 without one, 403 without the scope. With
neither configured (the default, for loopback use) authentication is off.

**Errors.** Every error is \`{code, message, errors?}\` (the \`Error\` schema); on the decision routes it
also carries \`"decision": "deny"\`. A method a path does not answer gets 405 \`method_not_allowed\` with
an \`Allow\` header (the \`MethodNotAllowed\` response); an unknown path 404. Connection-level limits
answer before any route: 408 for slow headers or bodies, 431 for oversized headers.`;
