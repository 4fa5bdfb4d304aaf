/**
 * regent's OpenAPI 3.1 document, generated from the schemas the routes validate with and served
 * at `GET /v1/openapi.json`. This folder owns the description of the HTTP API; it imports the
 * request schemas and the scope table and nothing that serves a request. A test compares its
 * paths with the router stack, so a route cannot be added without being described here.
 */
import pkg from '../../../package.json' with { type: 'json' };
import { DECISION_REQUEST_SCHEMA } from '../../decision/decision-request.ts';
import { batchRequestSchema, type DecisionLimits } from '../routes/decisions.ts';
import { MAX_SESSION_ID } from '../routes/admin-params.ts';
import { MAX_PAGE } from '../../audit/query.ts';
import { DEFAULT_MAX_BUNDLE_BYTES } from '../../policy/bundle/load-bundle.ts';
import { errorResponses, operation, pathParam, queryParam, type Json } from './operations.ts';
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

const OPA_FLAGS = [
  queryParam('pretty', { type: 'string' }, 'Indent the answer (OPA: present or `true`).'),
  queryParam('metrics', { type: 'string' }, 'Add evaluation timers in nanoseconds.'),
  queryParam('provenance', { type: 'string' }, 'Add the version and bundle revision that answered.'),
];
const DATA_PATH = pathParam(
  'path',
  { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 511 },
  "A compiled entrypoint's path: up to 32 `/`-separated segments of letters, digits, `_` and `-` (sent unencoded; a percent-encoded path is refused).",
);
const SESSION_ID = pathParam(
  'id',
  { type: 'string', minLength: 1, maxLength: MAX_SESSION_ID },
  'The session id the decisions carried in `session.id`.',
);
const POLICY_ID = pathParam(
  'id',
  { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
  'A module id: up to eight `/`-separated segments like this one (sent unencoded), not ending in `_test`; the file is `<id>.rego`.',
);
const ISO_TIME = {
  type: 'string',
  maxLength: 40,
  pattern:
    '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$',
  description: 'An ISO 8601 date or date-time with a zone, e.g. 2026-01-31T09:00:00Z.',
};
const AUDIT_QUERY = [
  queryParam('agent', { type: 'string', minLength: 1, maxLength: 256 }, 'Only this agent.'),
  queryParam('since', ISO_TIME, 'Records at or after this time.'),
  queryParam('until', ISO_TIME, 'Records before this time.'),
  queryParam('decision', { enum: ['allow', 'deny', 'redact'] }, 'Only decisions with this outcome.'),
  queryParam('type', { enum: ['decision', 'admin', 'checkpoint'] }, 'Only records of this type.'),
  queryParam('cursor', { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 256 }, 'A previous `next_cursor`.'),
  queryParam('limit', { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' }, `Page size, 1..${MAX_PAGE}.`),
];

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
    ...dataApiPaths(limits),
    ...adminPaths(limits),
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
    tags: ['decisions', 'opa', 'sessions', 'audit', 'policies', 'operations', 'health'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { DecisionRequest: forDocument(DECISION_REQUEST_SCHEMA), ...RESPONSE_SCHEMAS },
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

function dataApiPaths(limits: OpenApiLimits): Record<string, Record<string, Json>> {
  const dataOk = { status: 200, description: "OPA's answer.", schema: ref('DataResponse') };
  const dataGet = (id: string, params: Json[]) =>
    operation({
      id,
      summary: "Evaluate an entrypoint (OPA's Data API), input from `?input=`",
      tag: 'opa',
      scope: 'decide',
      parameters: [
        ...params,
        {
          name: 'input',
          in: 'query',
          required: false,
          description: 'The input document.',
          content: { 'application/json': { schema: {} } },
        },
        ...OPA_FLAGS,
      ],
      ok: dataOk,
      errors: [404],
    });
  const dataPost = (id: string, params: Json[]) =>
    operation({
      id,
      summary: "Evaluate an entrypoint (OPA's Data API) on `{input}`",
      tag: 'opa',
      scope: 'decide',
      parameters: [...params, ...OPA_FLAGS],
      body: {
        kind: 'json',
        schema: { type: 'object', properties: { input: {} } },
        required: false,
        maxBytes: limits.maxBodyBytes,
      },
      ok: dataOk,
      errors: [404],
    });
  return {
    '/v1/data': { get: dataGet('getDataRoot', []), post: dataPost('postDataRoot', []) },
    '/v1/data/{path}': { get: dataGet('getData', [DATA_PATH]), post: dataPost('postData', [DATA_PATH]) },
    '/v1/data/regent/decision': {
      get: operation({
        id: 'getDataDecision',
        summary: 'Refused: the decision entrypoint is decided only through POST',
        tag: 'opa',
        scope: 'decide',
        ok: { status: 400, description: 'Always `invalid_parameter`.', schema: ref('Error') },
      }),
      post: operation({
        id: 'postDataDecision',
        summary: 'The decision pipeline with OPA\'s body shape: `{"input": <decision request>}`',
        tag: 'opa',
        scope: 'decide',
        parameters: [OPA_FLAGS[0] as Json, OPA_FLAGS[2] as Json],
        body: {
          kind: 'json',
          schema: { type: 'object', required: ['input'], properties: { input: ref('DecisionRequest') } },
          required: true,
          maxBytes: limits.maxBodyBytes,
        },
        ok: {
          status: 200,
          description: 'The decision under `result`.',
          schema: {
            type: 'object',
            required: ['decision_id', 'result'],
            properties: { decision_id: { type: 'string' }, result: { type: 'object' }, provenance: { type: 'object' } },
          },
        },
      }),
    },
    '/': {
      post: operation({
        id: 'defaultDecision',
        summary: "OPA's default decision (`data.system.main`): the body is the input",
        tag: 'opa',
        scope: 'decide',
        parameters: [OPA_FLAGS[0] as Json],
        body: { kind: 'json', schema: {}, required: false, maxBytes: limits.maxBodyBytes },
        ok: { status: 200, description: 'The bare document.', schema: {} },
        errors: [404],
      }),
    },
  };
}

function adminPaths(limits: OpenApiLimits): Record<string, Record<string, Json>> {
  const admin = { tag: '', scope: 'admin' } as const;
  const result = (schema: Json = {}) => ({ type: 'object', required: ['result'], properties: { result: schema } });
  const change = { status: 200, description: 'The new revision.', schema: ref('PolicyChange') };
  return {
    '/v1/sessions/{id}': {
      get: operation({
        ...admin,
        tag: 'sessions',
        id: 'getSession',
        summary: "A session's flow state",
        parameters: [SESSION_ID],
        ok: {
          status: 200,
          description: 'The state.',
          schema: { type: 'object', required: ['session'], properties: { session: ref('SessionState') } },
        },
      }),
      delete: operation({
        ...admin,
        tag: 'sessions',
        id: 'deleteSession',
        summary: 'Forget a session (audit-logged)',
        parameters: [SESSION_ID],
        ok: { status: 204, description: 'Forgotten.' },
      }),
    },
    '/v1/sessions/{id}/steps': {
      get: operation({
        ...admin,
        tag: 'sessions',
        id: 'getSessionSteps',
        summary: "A session's decisions from the audit trail",
        parameters: [SESSION_ID],
        ok: { status: 200, description: 'The steps, in order.', schema: ref('SessionSteps') },
      }),
    },
    '/v1/audit': {
      get: operation({
        ...admin,
        tag: 'audit',
        id: 'searchAudit',
        summary: 'Page through the audit trail',
        parameters: AUDIT_QUERY,
        ok: { status: 200, description: 'One page, oldest first.', schema: ref('AuditPage') },
      }),
    },
    '/v1/policies': {
      get: operation({
        ...admin,
        tag: 'policies',
        id: 'listPolicies',
        summary: 'The policy modules',
        ok: {
          status: 200,
          description: 'Every module.',
          schema: result({ type: 'array', items: ref('PolicyModule') }),
        },
      }),
    },
    '/v1/policies/{id}': {
      get: operation({
        ...admin,
        tag: 'policies',
        id: 'getPolicy',
        summary: 'One policy module',
        parameters: [POLICY_ID],
        ok: { status: 200, description: 'The module.', schema: result(ref('PolicyModule')) },
      }),
      put: operation({
        ...admin,
        tag: 'policies',
        id: 'putPolicy',
        summary: 'Create or replace a module; compiled and activated',
        description: 'Refused (400) when regent serves a bundle file rather than a policy directory.',
        parameters: [POLICY_ID],
        body: { kind: 'text', maxBytes: limits.maxPolicyBytes },
        ok: change,
      }),
      delete: operation({
        ...admin,
        tag: 'policies',
        id: 'deletePolicy',
        summary: 'Remove a module; compiled and activated',
        parameters: [POLICY_ID],
        ok: change,
      }),
    },
    '/v1/shadow': {
      get: operation({
        ...admin,
        tag: 'policies',
        id: 'getShadow',
        summary: 'Shadow mode state and disagreement counts',
        ok: { status: 200, description: 'The state.', schema: result({ type: 'object' }) },
      }),
      put: operation({
        ...admin,
        tag: 'policies',
        id: 'putShadow',
        summary: 'Upload a candidate bundle to run in shadow',
        body: { kind: 'gzip', maxBytes: DEFAULT_MAX_BUNDLE_BYTES },
        ok: { status: 200, description: 'The state.', schema: result({ type: 'object' }) },
      }),
      delete: operation({
        ...admin,
        tag: 'policies',
        id: 'stopShadow',
        summary: 'Stop shadow mode',
        ok: { status: 200, description: 'The state.', schema: result({ type: 'object' }) },
      }),
    },
    '/v1/shadow/rebuild': {
      post: operation({
        ...admin,
        tag: 'policies',
        id: 'rebuildShadow',
        summary: 'Recompile the configured shadow directory',
        description: 'Refused (400) when REGENT_SHADOW_POLICY_DIR is not set.',
        errors: [400],
        ok: { status: 200, description: 'The state.', schema: result({ type: 'object' }) },
      }),
    },
    '/v1/status': {
      get: operation({
        ...admin,
        tag: 'operations',
        id: 'getStatus',
        summary: 'What regent serves and how it got there',
        ok: {
          status: 200,
          description: 'The status document.',
          schema: result({ type: 'object', required: ['revision', 'mode', 'bundles'] }),
        },
      }),
    },
  };
}
