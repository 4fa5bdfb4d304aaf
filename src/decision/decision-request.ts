/**
 * The `POST /v1/decisions` request: its JSON Schema (every string and array bounded, unknown
 * fields rejected) and the TypeScript type it guarantees. The schema is compiled once, at start.
 */

/** Kinds of action an agent may take: a closed set. */
export const ACTION_KINDS = ['read', 'write', 'send', 'delete', 'execute'] as const;

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const label = { type: 'string', minLength: 1, maxLength: 128 } as const;
const labels = { type: 'array', items: label, maxItems: 64 } as const;
const classification = { type: 'string', minLength: 1, maxLength: 64 } as const;
const freeObject = { type: 'object' } as const;

/** JSON Schema of a decision request. */
export const DECISION_REQUEST_SCHEMA = {
  $id: 'regent/decision-request',
  type: 'object',
  additionalProperties: false,
  required: ['agent', 'action'],
  properties: {
    agent: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        id,
        roles: { type: 'array', items: label, maxItems: 32 },
        on_behalf_of: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id, groups: { type: 'array', items: label, maxItems: 64 }, clearance: classification },
        },
      },
    },
    action: {
      type: 'object',
      additionalProperties: false,
      required: ['tool', 'kind'],
      properties: {
        tool: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_.:/-]+$' },
        kind: { enum: ACTION_KINDS },
        resource: {
          type: 'object',
          additionalProperties: false,
          properties: { system: id, id: { type: 'string', maxLength: 1024 }, labels, classification },
        },
      },
    },
    data_flow: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sources: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['system'],
            properties: { system: id, labels, classification },
          },
        },
        destination: {
          type: 'object',
          additionalProperties: false,
          properties: {
            system: id,
            id: { type: 'string', minLength: 1, maxLength: 1024 },
            audience: label,
            recipients: {
              type: 'array',
              maxItems: 1000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['id'],
                properties: { id, clearance: classification },
              },
            },
          },
        },
        fields: {
          type: 'array',
          maxItems: 256,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'labels'],
            properties: {
              // `.` spelled out as ECMAScript reads it (no line terminators), so the OpenAPI document's
              // readers, whose regex dialects differ on `.`, agree with ajv on which paths are valid.
              path: {
                type: 'string',
                minLength: 1,
                maxLength: 1024,
                pattern: '^/payload(/[^\\n\\r\\u2028\\u2029]*)?$',
              },
              labels,
            },
          },
        },
      },
    },
    payload: {},
    session: { type: 'object', additionalProperties: false, required: ['id'], properties: { id } },
    context: freeObject,
  },
} as const;

/** A validated decision request. */
export interface DecisionRequest {
  agent: {
    id: string;
    roles?: string[];
    on_behalf_of?: { id: string; groups?: string[]; clearance?: string };
  };
  action: {
    tool: string;
    kind: (typeof ACTION_KINDS)[number];
    resource?: { system?: string; id?: string; labels?: string[]; classification?: string };
  };
  data_flow?: {
    sources?: { system: string; labels?: string[]; classification?: string }[];
    destination?: {
      system?: string;
      id?: string;
      audience?: string;
      recipients?: { id: string; clearance?: string }[];
    };
    fields?: { path: string; labels: string[] }[];
  };
  payload?: unknown;
  session?: { id: string };
  context?: Record<string, unknown>;
}

/**
 * JSON Schema of a result-phase request (`POST /v1/results`): the action as it was decided, and
 * what the tool returned, before the agent sees it. `decision_id` links it to the pre-call
 * decision in the audit trail.
 */
export const RESULT_REQUEST_SCHEMA = {
  $id: 'regent/result-request',
  type: 'object',
  additionalProperties: false,
  required: ['agent', 'action', 'result'],
  properties: {
    agent: DECISION_REQUEST_SCHEMA.properties.agent,
    action: DECISION_REQUEST_SCHEMA.properties.action,
    session: DECISION_REQUEST_SCHEMA.properties.session,
    decision_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' },
    result: {},
    context: DECISION_REQUEST_SCHEMA.properties.context,
  },
} as const;

/** A validated result-phase request. */
export interface ResultRequest {
  agent: DecisionRequest['agent'];
  action: DecisionRequest['action'];
  session?: { id: string };
  decision_id?: string;
  result: unknown;
  context?: Record<string, unknown>;
}
