/**
 * The approvals API (scope `approve`): `GET /v1/approvals` (filter by state and agent, newest
 * first, paged), `GET /v1/approvals/{id}` (the exact action, payload included),
 * `POST /v1/approvals/{id}/approve` and `/reject` with a reason. The approver is the caller's
 * verified identity (token id or certificate CN), never a name from the body.
 *
 * And the agent's side (scope `decide`, under `/v1/decisions`): `GET /v1/decisions/approvals/{id}`
 * says where one request stands, so a gateway or adapter can wait for a person and then ask again.
 * It shows the state, the expiry and the approver's reason, never the action, its payload or who
 * decided: the agent learns no more than its next identical ask would tell it.
 */
import { Router, type Request } from 'express';
import { APPROVAL_STATES, hasLapsed, type Approval, type ApprovalState } from '../../approvals/approval.ts';
import { MAX_APPROVAL_REASON, type ApprovalService } from '../../approvals/approval-service.ts';
import { decodeCursor, MAX_APPROVAL_PAGE, type ApprovalQuery } from '../../approvals/store.ts';
import { InvalidParameterError, NotFoundError } from '../../errors/regent-error.ts';
import { callerOf } from '../middleware/authorize.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';
import { strictQuery, type QueryParam } from './admin-params.ts';

/** Page size when `limit` is not given. */
export const DEFAULT_APPROVAL_PAGE = 50;

/** An approval id: what regent generates (a UUID). */
export const APPROVAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const PARAMS = {
  state: { maxLength: 10, values: APPROVAL_STATES, hint: `one of ${APPROVAL_STATES.join(', ')}` },
  agent: { maxLength: 256, hint: 'an agent id of 1-256 characters' },
  cursor: { maxLength: 512, pattern: /^[A-Za-z0-9_-]+$/, hint: 'a next_cursor from a previous page' },
  limit: { maxLength: 3, pattern: /^[1-9]\d*$/, hint: `an integer in 1..${MAX_APPROVAL_PAGE}` },
} as const satisfies Record<string, QueryParam>;

/** What `GET /v1/decisions/approvals/{id}` answers: where a request stands, nothing of the action. */
export interface ApprovalStatusView {
  id: string;
  state: ApprovalState;
  expires_at: string;
  /** The approver's reason, once a person decided (required to reject). */
  reason?: string;
}

/**
 * The agent's view of `approval` at `nowMs`. A request past its expiry that the sweeper has not
 * moved yet shows `expired`, which is what the next identical ask would be told.
 */
export function approvalStatusView(approval: Approval, nowMs: number): ApprovalStatusView {
  if (hasLapsed(approval, nowMs)) return { id: approval.id, state: 'expired', expires_at: approval.expires_at };
  const view: ApprovalStatusView = { id: approval.id, state: approval.state, expires_at: approval.expires_at };
  if (approval.decision_reason !== null && approval.state !== 'expired') view.reason = approval.decision_reason;
  return view;
}

/** JSON Schema of the approve and reject bodies (the reason is required to reject). */
export function approvalDecisionSchema(reasonRequired: boolean) {
  return {
    type: 'object',
    additionalProperties: false,
    required: reasonRequired ? ['reason'] : [],
    properties: { reason: { type: 'string', minLength: 1, maxLength: MAX_APPROVAL_REASON } },
  } as const;
}

/** Routes of the approvals API; `approvals()` rejects (503) when the store cannot be opened. */
export function approvalRoutes(approvals: () => Promise<ApprovalService>, maxBodyBytes: number): Router {
  const router = Router();
  const approveBody = compileValidator<{ reason?: string }>(approvalDecisionSchema(false), 'approve request');
  const rejectBody = compileValidator<{ reason: string }>(approvalDecisionSchema(true), 'reject request');

  router.get('/v1/approvals', async (req, res) => {
    const q = strictQuery(req, PARAMS);
    const limit = q.limit === undefined ? DEFAULT_APPROVAL_PAGE : Number(q.limit);
    if (limit > MAX_APPROVAL_PAGE)
      throw new InvalidParameterError(`limit must be an integer in 1..${MAX_APPROVAL_PAGE}`);
    if (q.cursor !== undefined && decodeCursor(q.cursor) === null)
      throw new InvalidParameterError('cursor is not valid');
    const query: ApprovalQuery = { limit };
    if (q.state !== undefined) query.state = q.state as NonNullable<ApprovalQuery['state']>;
    if (q.agent !== undefined) query.agent = q.agent;
    if (q.cursor !== undefined) query.cursor = q.cursor;
    res.json(await (await approvals()).store.list(query));
  });

  router.get('/v1/approvals/:id', async (req, res) => {
    strictQuery(req, {});
    const approval = await (await approvals()).store.get(idParam(req));
    if (approval === null) throw new NotFoundError('no such approval request');
    res.json({ approval });
  });

  // Scope `decide` (ROUTE_SCOPES' /v1/decisions{/*rest}): the agent's own credential reads it.
  router.get('/v1/decisions/approvals/:id', async (req, res) => {
    strictQuery(req, {});
    const id = req.params['id'];
    if (typeof id !== 'string' || !APPROVAL_ID.test(id))
      throw new InvalidParameterError("the approval id must be a UUID (a decision's approval.id)");
    const approval = await (await approvals()).store.get(id);
    if (approval === null) throw new NotFoundError('no such approval request');
    res.json(approvalStatusView(approval, Date.now()));
  });

  router.post('/v1/approvals/:id/approve', ...jsonBody(maxBodyBytes), async (req, res) => {
    strictQuery(req, {});
    const id = idParam(req);
    const body = approveBody(req.body ?? {});
    const caller = callerOf(req);
    res.json({
      approval: await (await approvals()).approve(id, { id: caller.id, auth: caller.auth }, body.reason ?? null),
    });
  });

  router.post('/v1/approvals/:id/reject', ...jsonBody(maxBodyBytes), async (req, res) => {
    strictQuery(req, {});
    const id = idParam(req);
    const body = rejectBody(req.body);
    const caller = callerOf(req);
    res.json({ approval: await (await approvals()).reject(id, { id: caller.id, auth: caller.auth }, body.reason) });
  });
  return router;
}

function idParam(req: Request): string {
  const id = req.params['id'];
  if (typeof id !== 'string' || !APPROVAL_ID.test(id)) throw new NotFoundError('no such approval request');
  return id;
}
