/**
 * The approvals API (scope `approve`): `GET /v1/approvals` (filter by state and agent, newest
 * first, paged), `GET /v1/approvals/{id}` (the exact action, payload included),
 * `POST /v1/approvals/{id}/approve` and `/reject` with a reason. The approver is the caller's
 * verified identity (token id or certificate CN), never a name from the body.
 */
import { Router, type Request } from 'express';
import { APPROVAL_STATES } from '../../approvals/approval.ts';
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
