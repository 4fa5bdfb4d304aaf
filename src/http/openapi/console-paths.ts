/**
 * The OpenAPI paths of the routes the operator console needs beyond the rest of the API (admin
 * scope): the decision stream (src/http/routes/audit-stream.ts) and the policy playground
 * (src/http/routes/playground.ts).
 */
import type { DecisionLimits } from '../routes/decisions.ts';
import { PLAYGROUND_SESSION_SCHEMA } from '../routes/playground.ts';
import { operation, queryParam, type Json } from './operations.ts';

const admin = { scope: 'admin' } as const;

/** The console's paths. */
export function consolePaths(limits: DecisionLimits): Record<string, Record<string, Json>> {
  return {
    '/v1/audit/stream': {
      get: operation({
        ...admin,
        tag: 'audit',
        id: 'streamDecisions',
        summary: 'Decisions as they are recorded (Server-Sent Events)',
        description:
          'Each decision record appended to the audit trail after `after` (default: now) is an event `decision` whose `id` is its seq and whose data is the record. A client that does not read is disconnected once its buffer is full, and every stream ends after REGENT_AUDIT_STREAM_MAX_SECONDS (300 s by default, so the credential is checked again) or when regent drains; reconnect with `after` set to the last id.',
        parameters: [
          queryParam('agent', { type: 'string', minLength: 1, maxLength: 256 }, "Only this agent's decisions."),
          queryParam('decision', { enum: ['allow', 'deny', 'redact', 'escalate'] }, 'Only this outcome.'),
          queryParam(
            'reason',
            { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$', maxLength: 128 },
            'Only decisions with a reason code starting with this.',
          ),
          queryParam('after', { type: 'string', pattern: '^(0|[1-9][0-9]*)$' }, 'The seq of the last record seen.'),
        ],
        ok: {
          status: 200,
          description: 'An event stream.',
          mediaType: 'text/event-stream',
          // OpenAPI 3.1 has `schema` of an event stream describe one event (3.2 calls it itemSchema).
          schema: {
            type: 'object',
            required: ['event', 'id', 'data'],
            properties: {
              event: { const: 'decision' },
              id: { type: 'string', pattern: '^[1-9][0-9]*$', description: "The record's seq." },
              data: {
                type: 'string',
                contentMediaType: 'application/json',
                description: 'The decision record as appended to the audit trail (see GET /v1/audit).',
              },
              retry: { type: 'integer', minimum: 0 },
            },
          },
        },
      }),
    },
    '/v1/playground/decisions': {
      post: operation({
        ...admin,
        tag: 'policies',
        id: 'playgroundDecision',
        summary: 'Dry run: the policy input and answer for a request and a chosen session state',
        description:
          'Builds the input as a decision would (catalogue resolution, detectors, the chosen session and activity) and evaluates it on the active revision and the shadow candidate. Nothing is committed, reserved, audited or requested.',
        body: {
          kind: 'json',
          required: true,
          maxBytes: limits.maxBodyBytes,
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['request'],
            properties: {
              request: { $ref: '#/components/schemas/DecisionRequest' },
              session: PLAYGROUND_SESSION_SCHEMA as unknown as Json,
              activity: { type: 'object' },
            },
          },
        },
        ok: {
          status: 200,
          description: 'The dry run.',
          schema: {
            type: 'object',
            required: ['dry_run', 'revision', 'input', 'active', 'shadow', 'differences'],
            properties: {
              dry_run: { const: true },
              revision: { type: 'string' },
              input: { type: 'object', description: 'The exact policy input.' },
              active: { type: 'object', description: '`{result}` or `{error, fail_closed}`.' },
              shadow: { type: ['object', 'null'], description: 'The candidate, when one is loaded.' },
              differences: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      }),
    },
  };
}
