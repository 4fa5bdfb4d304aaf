/**
 * One OpenAPI operation per route, built from a short description of it: its scope, parameters,
 * body and success answer. The error answers follow from those (a body can be too large, a path
 * parameter can name nothing, an authenticated route can be refused), so each operation lists
 * every status regent can give it without each route repeating them.
 */
import type { Scope } from '../../security/identity.ts';

/** A JSON (Schema) object, loosely typed: the document is data. */
export type Json = Record<string, unknown>;

/** How a route takes its body. */
export type BodyKind =
  | { kind: 'json'; schema: Json; required: boolean; maxBytes: number }
  | { kind: 'text'; maxBytes: number }
  | { kind: 'gzip'; maxBytes: number };

/** What {@link operation} needs to know about a route. */
export interface OperationSpec {
  id: string;
  summary: string;
  description?: string;
  tag: string;
  /** The scope a credential needs; null for a route mounted before authentication. */
  scope: Scope | null;
  parameters?: Json[];
  body?: BodyKind;
  /** The success status and its content (omitted for an empty answer such as 204). */
  ok: { status: number; description: string; schema?: Json; mediaType?: string };
  /** Further answers that are not errors from the catalogue (for example readiness's 503). */
  more?: Record<string, Json>;
  /** Statuses beyond those that follow from the spec (for example 404 from a lookup). */
  errors?: number[];
  /** Decision routes also say `"decision": "deny"` in their error bodies. */
  decisionErrors?: boolean;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: schema violation, bad parameter or unparseable body (`invalid_parameter`).',
  401: 'No valid credential (`unauthorized`), or a principal token that does not verify (`principal_unverified`).',
  403: 'The credential lacks the scope this route needs (`forbidden`).',
  404: 'Nothing by that name (`resource_not_found`, `undefined_document`).',
  409: 'The approval request is no longer pending (`approval.not_pending`, `approval.expired`).',
  413: 'Body over its size limit (`payload_too_large`); the connection is closed.',
  415: 'Body of the wrong media type or charset (`unsupported_media_type`).',
  500: 'Unexpected failure (`internal_error`, `evaluation_error`, ...); the detail is in the log line.',
  503: 'A store or revision the route needs is unavailable (`not_ready`, `audit.unavailable`, `session.store_unavailable`, `principal_keys_unavailable`).',
};

/** The error response with `status`, as a `$ref` into `components.responses`. */
export function errorResponseRef(status: number, decision: boolean): Json {
  return { $ref: `#/components/responses/${decision ? 'DecisionError' : 'Error'}${status}` };
}

/** `components.responses` for every error status, plain and for the decision routes. */
export function errorResponses(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [status, description] of Object.entries(ERROR_DESCRIPTIONS)) {
    for (const decision of [false, true]) {
      const response: Json = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
      if (status === '401')
        response['headers'] = { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } };
      if (decision) response['description'] = `${description} The body says \`"decision": "deny"\`.`;
      out[`${decision ? 'DecisionError' : 'Error'}${status}`] = response;
    }
  }
  return out;
}

function requestBody(body: BodyKind): Json {
  const limit = ` At most ${body.maxBytes} bytes.`;
  if (body.kind === 'json')
    return {
      required: body.required,
      description: `JSON (UTF-8; repeated keys, lone surrogates and nesting past 64 levels are refused).${limit}`,
      content: { 'application/json': { schema: body.schema } },
    };
  if (body.kind === 'text')
    return {
      required: true,
      description: `The module's Rego source, UTF-8, in any media type.${limit}`,
      content: { 'text/plain': { schema: { type: 'string' } } },
    };
  return {
    required: true,
    description: `An OPA bundle (.tar.gz), sent as application/octet-stream, application/gzip or application/vnd.openpolicyagent.bundle.${limit}`,
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  };
}

/** Builds the OpenAPI operation object for `spec`. */
export function operation(spec: OperationSpec): Json {
  const responses: Record<string, Json> = {};
  const ok: Json = { description: spec.ok.description };
  if (spec.ok.schema !== undefined)
    ok['content'] = { [spec.ok.mediaType ?? 'application/json']: { schema: spec.ok.schema } };
  responses[String(spec.ok.status)] = ok;
  Object.assign(responses, spec.more ?? {});
  const statuses = new Set(spec.errors ?? []);
  const params = spec.parameters ?? [];
  if (params.length > 0 || spec.body !== undefined) statuses.add(400);
  if (params.some((p) => p['in'] === 'path')) statuses.add(404);
  if (spec.body !== undefined) statuses.add(413);
  if (spec.body !== undefined && spec.body.kind !== 'text') statuses.add(415);
  if (spec.scope !== null) [401, 403, 500, 503].forEach((s) => statuses.add(s));
  for (const status of [...statuses].sort()) {
    responses[String(status)] ??= errorResponseRef(status, spec.decisionErrors === true);
  }
  const op: Json = { operationId: spec.id, summary: spec.summary, tags: [spec.tag] };
  if (spec.description !== undefined) op['description'] = spec.description;
  if (params.length > 0) op['parameters'] = params;
  if (spec.body !== undefined) op['requestBody'] = requestBody(spec.body);
  op['responses'] = responses;
  if (spec.scope === null) op['security'] = [];
  else op['x-regent-scope'] = spec.scope;
  return op;
}

/** A path parameter. */
export function pathParam(name: string, schema: Json, description: string): Json {
  return { name, in: 'path', required: true, description, schema };
}

/** An optional query parameter. */
export function queryParam(name: string, schema: Json, description: string): Json {
  return { name, in: 'query', required: false, description, schema };
}
