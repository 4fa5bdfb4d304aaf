/**
 * `GET /v1/audit`: pages through the audit trail for investigations, oldest first, filtered by
 * agent, time, decision and record type. The cursor is the trail's opaque `next_cursor`.
 */
import { Router } from 'express';
import { MAX_PAGE, type AuditReader, type SearchQuery } from '../../audit/query.ts';
import { strictQuery, type QueryParam } from './admin-params.ts';

/** Page size when `limit` is not given. */
export const DEFAULT_PAGE = 100;

/** ISO 8601 date or date-time with a zone, the only time forms the filters accept. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const PARAMS = {
  agent: { maxLength: 256, hint: 'an agent id of 1-256 characters' },
  since: { maxLength: 40, pattern: ISO_TIME, hint: 'an ISO 8601 time such as 2026-01-31T09:00:00Z' },
  until: { maxLength: 40, pattern: ISO_TIME, hint: 'an ISO 8601 time such as 2026-01-31T09:00:00Z' },
  decision: {
    maxLength: 8,
    values: ['allow', 'deny', 'redact', 'escalate'],
    hint: 'one of allow, deny, redact, escalate',
  },
  type: { maxLength: 12, values: ['decision', 'admin', 'checkpoint'], hint: 'one of decision, admin, checkpoint' },
  cursor: { maxLength: 256, pattern: /^[A-Za-z0-9_-]+$/, hint: 'a next_cursor from a previous page' },
  limit: { maxLength: 4, pattern: /^[1-9]\d*$/, hint: `an integer in 1..${MAX_PAGE}` },
} as const satisfies Record<string, QueryParam>;

/** Routes for the audit trail. */
export function auditRoutes(deps: { auditReader(): Promise<AuditReader> }): Router {
  const router = Router();
  router.get('/v1/audit', async (req, res) => {
    const q = strictQuery(req, PARAMS);
    const query: SearchQuery = { limit: q.limit === undefined ? DEFAULT_PAGE : Number(q.limit) };
    if (q.agent !== undefined) query.agent = q.agent;
    if (q.since !== undefined) query.since = q.since;
    if (q.until !== undefined) query.until = q.until;
    if (q.decision !== undefined) query.decision = q.decision as NonNullable<SearchQuery['decision']>;
    if (q.type !== undefined) query.type = q.type as NonNullable<SearchQuery['type']>;
    if (q.cursor !== undefined) query.cursor = q.cursor;
    // The store bounds limit and parses times and cursor again, answering 400 (AuditQueryError).
    const page = await (await deps.auditReader()).search(query);
    res.json(page);
  });
  return router;
}
