/**
 * The OpenAPI paths of OPA's Data API over regent (src/http/routes/opa-data.ts): `/v1/data`,
 * `/v1/data/{path}`, the decision entrypoint and `POST /`.
 */
import { operation, pathParam, queryParam, type Json } from './operations.ts';

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

const OPA_FLAGS = [
  queryParam('pretty', { type: 'string' }, 'Indent the answer (OPA: present or `true`).'),
  queryParam('metrics', { type: 'string' }, 'Add evaluation timers in nanoseconds.'),
  queryParam('provenance', { type: 'string' }, 'Add the version and bundle revision that answered.'),
];
const STRICT = queryParam(
  'strict-builtin-errors',
  { type: 'string' },
  "A failing builtin fails the query (OPA's parameter; alone it means true); absent, the configured default applies.",
);
const DATA_PATH = pathParam(
  'path',
  { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 511 },
  "A compiled entrypoint's path: up to 32 `/`-separated segments of letters, digits, `_` and `-` (sent unencoded; a percent-encoded path is refused).",
);
/** The Data API paths; bodies are bounded by `maxBodyBytes`. */
export function dataApiPaths(limits: { maxBodyBytes: number }): Record<string, Record<string, Json>> {
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
        STRICT,
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
      parameters: [...params, ...OPA_FLAGS, STRICT],
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
