/**
 * The OpenAPI paths and schemas of the approvals API (scope `approve`, src/http/routes/approvals.ts),
 * with the request bodies taken from the validators the routes use, and of the agent's read of
 * where one request stands (scope `decide`, `GET /v1/decisions/approvals/{id}`).
 */
import { APPROVAL_STATES } from '../../approvals/approval.ts';
import { MAX_APPROVAL_PAGE } from '../../approvals/store.ts';
import { approvalDecisionSchema } from '../routes/approvals.ts';
import type { DecisionLimits } from '../routes/decisions.ts';
import { operation, pathParam, queryParam, type Json } from './operations.ts';

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const actor = { type: ['object', 'null'], required: ['id', 'auth'], properties: { id: str, auth: nullableString } };

const APPROVAL_ID = pathParam(
  'id',
  { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  "The approval request's id (from a decision's `approval.id`).",
);

/** `components.schemas` of the approvals. */
export const APPROVAL_SCHEMAS = {
  ApprovalRef: {
    description:
      'The approval request of an escalated action, on the decision that escalated and on the answers it led to.',
    type: 'object',
    required: ['id', 'state', 'expires_at', 'url'],
    properties: {
      id: str,
      state: { enum: APPROVAL_STATES },
      expires_at: str,
      url: { type: 'string', description: 'Where a person approves or rejects it (the console).' },
    },
  },
  Approval: {
    description:
      'One approval request: the exact action (payload included) bound to its SHA-256 digest, and where it stands.',
    type: 'object',
    required: [
      'id',
      'version',
      'digest',
      'state',
      'created_at',
      'expires_at',
      'agent',
      'tool',
      'kind',
      'action',
      'reasons',
    ],
    properties: {
      id: str,
      version: { type: 'integer', minimum: 1 },
      digest: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      state: { enum: APPROVAL_STATES },
      created_at: str,
      expires_at: str,
      updated_at: str,
      agent: str,
      on_behalf_of: nullableString,
      session_id: nullableString,
      tool: str,
      kind: str,
      action: {
        type: 'object',
        description:
          'What the digest covers: agent, roles, principal, tool, kind, resource, payload, data_flow, session, context.',
      },
      reasons: { type: 'array', items: { $ref: '#/components/schemas/Reason' } },
      decision_id: str,
      revision: nullableString,
      requested_by: actor,
      decided_by: actor,
      decided_at: nullableString,
      decision_reason: nullableString,
      used_at: nullableString,
      used_by_decision: nullableString,
      expiry_reported: { type: 'boolean' },
    },
  },
  ApprovalStatus: {
    description:
      "Where an approval request stands, as the agent may read it: never the action, its payload or who decided. A request past its expiry shows `expired`; `reason` is the approver's, once a person decided.",
    type: 'object',
    additionalProperties: false,
    required: ['id', 'state', 'expires_at'],
    properties: {
      id: str,
      state: { enum: APPROVAL_STATES },
      expires_at: str,
      reason: str,
    },
  },
  ApprovalPage: {
    type: 'object',
    required: ['approvals', 'next_cursor'],
    properties: {
      approvals: { type: 'array', items: { $ref: '#/components/schemas/Approval' } },
      next_cursor: nullableString,
    },
  },
} as const;

/** The approvals' paths. */
export function approvalPaths(limits: DecisionLimits): Record<string, Record<string, Json>> {
  const common = { tag: 'approvals', scope: 'approve' } as const;
  const one = {
    status: 200,
    description: 'The approval request.',
    schema: { type: 'object', required: ['approval'], properties: { approval: ref('Approval') } },
  };
  const body = (reasonRequired: boolean) =>
    ({
      kind: 'json',
      schema: approvalDecisionSchema(reasonRequired) as unknown as Json,
      required: reasonRequired,
      maxBytes: limits.maxBodyBytes,
    }) as const;
  return {
    '/v1/approvals': {
      get: operation({
        ...common,
        id: 'listApprovals',
        summary: 'Approval requests, newest first',
        parameters: [
          queryParam('state', { enum: APPROVAL_STATES }, 'Only requests in this state.'),
          queryParam('agent', { type: 'string', minLength: 1, maxLength: 256 }, "Only this agent's requests."),
          queryParam(
            'cursor',
            { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 512 },
            'A previous `next_cursor`.',
          ),
          queryParam(
            'limit',
            { type: 'string', pattern: '^([1-9][0-9]?|1[0-9]{2}|200)$' },
            `Page size, 1..${MAX_APPROVAL_PAGE}.`,
          ),
        ],
        ok: { status: 200, description: 'One page.', schema: ref('ApprovalPage') },
      }),
    },
    '/v1/approvals/{id}': {
      get: operation({
        ...common,
        id: 'getApproval',
        summary: 'One approval request, with the exact action',
        parameters: [APPROVAL_ID],
        ok: one,
      }),
    },
    '/v1/decisions/approvals/{id}': {
      get: operation({
        id: 'getApprovalStatus',
        tag: 'decisions',
        scope: 'decide',
        summary: 'Where an escalated action stands (for the agent that waits for it)',
        description:
          "The agent's side of an approval: pending, approved, rejected (with the approver's reason), expired or used. Nothing of the action is shown. An approved request allows only the identical action, asked again through `POST /v1/decisions`, once. A malformed id is 400, an unknown one 404.",
        parameters: [APPROVAL_ID],
        ok: { status: 200, description: 'Where the request stands.', schema: ref('ApprovalStatus') },
      }),
    },
    '/v1/approvals/{id}/approve': {
      post: operation({
        ...common,
        id: 'approve',
        summary: 'Approve a pending request: the identical action is then allowed once',
        description:
          "The approver is the caller's credential; the agent's own credential is refused (403 `approval.self_approval`).",
        parameters: [APPROVAL_ID],
        body: body(false),
        ok: one,
        errors: [409],
      }),
    },
    '/v1/approvals/{id}/reject': {
      post: operation({
        ...common,
        id: 'reject',
        summary: 'Reject a pending request with a reason the agent reads (`escalate.rejected`)',
        parameters: [APPROVAL_ID],
        body: body(true),
        ok: one,
        errors: [409],
      }),
    },
  };
}
