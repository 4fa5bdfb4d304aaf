/**
 * The OpenAPI paths of the admin routes (scope `admin`): sessions, the audit trail, the Policy
 * API, shadow mode and status.
 */
import { MAX_PAGE } from '../../audit/query.ts';
import { DEFAULT_MAX_BUNDLE_BYTES } from '../../policy/bundle/load-bundle.ts';
import { MAX_SESSION_ID } from '../routes/admin-params.ts';
import { operation, pathParam, queryParam, type Json } from './operations.ts';

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

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
  queryParam('decision', { enum: ['allow', 'deny', 'redact', 'escalate'] }, 'Only decisions with this outcome.'),
  queryParam('type', { enum: ['decision', 'admin', 'checkpoint'] }, 'Only records of this type.'),
  queryParam('cursor', { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 256 }, 'A previous `next_cursor`.'),
  queryParam('limit', { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' }, `Page size, 1..${MAX_PAGE}.`),
];

/** The admin paths; policy modules are bounded by `maxPolicyBytes`. */
export function adminPaths(limits: { maxPolicyBytes: number }): Record<string, Record<string, Json>> {
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
