/**
 * Admin view of agent sessions: `GET /v1/sessions/{id}` (flow state from the session store),
 * `DELETE /v1/sessions/{id}` (forget the session's labels; audit-logged, because it lifts every
 * flow restriction the session had earned) and `GET /v1/sessions/{id}/steps` (what the audit
 * trail recorded for it, in order).
 */
import { Router } from 'express';
import type { AuditReader } from '../../audit/query.ts';
import type { AuditRecord, DecisionRecord } from '../../audit/record.ts';
import { NotFoundError } from '../../errors/regent-error.ts';
import type { SessionStore } from '../../flow/session-store.ts';
import { recordAdmin, type AdminTrail } from '../admin-audit.ts';
import { sessionIdParam, strictQuery } from './admin-params.ts';

/** What the session routes read and change. */
export interface SessionRouteDeps {
  /** The session store; throws NotReadyError before regent has started. */
  sessions(): SessionStore;
  /** The audit trail for reading; rejects AuditUnavailableError when it is disabled or down. */
  auditReader(): Promise<AuditReader>;
  trail: AdminTrail;
}

/** Most steps one response carries; longer sessions are marked `truncated` (use GET /v1/audit to page). */
export const MAX_STEPS = 10_000;

/** One recorded step of a session, as the steps endpoint shows it. */
export interface SessionStep {
  seq: number;
  time: string;
  step: number;
  decision_id: string;
  agent: DecisionRecord['agent'];
  tool: string;
  kind: string;
  decision: DecisionRecord['decision'];
  reason_codes: string[];
  redacted_paths: string[];
  detections: string[];
  policy_revision: string | null;
}

/** Routes for sessions. */
export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = Router();

  router.get('/v1/sessions/:id', async (req, res) => {
    strictQuery(req, {});
    const id = sessionIdParam(req);
    const state = await deps.sessions().get(id);
    if (state === null) throw new NotFoundError('no such session (unknown, expired or deleted)');
    res.json({ session: state });
  });

  router.delete('/v1/sessions/:id', async (req, res) => {
    strictQuery(req, {});
    const id = sessionIdParam(req);
    // Refuse before changing anything when the change could not be recorded.
    await deps.trail.ready();
    const existed = await deps.sessions().delete(id);
    await recordAdmin(
      req,
      'session.delete',
      { kind: 'session', id },
      existed ? 'success' : 'failure',
      existed ? {} : { reason: 'not_found' },
    );
    if (!existed) throw new NotFoundError('no such session (unknown, expired or deleted)');
    res.status(204).end();
  });

  router.get('/v1/sessions/:id/steps', async (req, res) => {
    strictQuery(req, {});
    const id = sessionIdParam(req);
    const records = await (await deps.auditReader()).sessionSteps(id);
    if (records.length === 0) throw new NotFoundError('the audit trail holds no steps for this session');
    const steps = records
      .filter(isDecision)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, MAX_STEPS)
      .map(toStep);
    res.json({ session_id: id, steps, truncated: records.length > MAX_STEPS });
  });

  return router;
}

function isDecision(record: AuditRecord): record is DecisionRecord {
  return record.type === 'decision';
}

function toStep(r: DecisionRecord): SessionStep {
  return {
    seq: r.seq,
    time: r.time,
    step: r.session?.step ?? 0,
    decision_id: r.decision_id,
    agent: r.agent,
    tool: r.tool,
    kind: r.kind,
    decision: r.decision,
    reason_codes: r.reason_codes,
    redacted_paths: r.redacted_paths,
    detections: r.detections,
    policy_revision: r.policy_revision,
  };
}
