/**
 * Admin actions go into the audit trail under the caller's identity, so "who deleted this
 * session" or "who changed the policy" has an answer that survives the process. Routes call
 * {@link recordAdmin}; the trail it writes to is registered on the app by createApp.
 */
import type { Application, Request } from 'express';
import type { AdminEntry } from '../audit/record.ts';
import type { Logger } from '../observability/logger.ts';
import { callerOf } from './middleware/authorize.ts';

/** Where admin records go, as the composition root provides it. */
export interface AdminTrail {
  /** Resolves once `entry` is durable; rejects AuditUnavailableError when it cannot be (no-op when the trail is disabled). */
  append(entry: AdminEntry): Promise<void>;
  /** Throws AuditUnavailableError unless an append could succeed now; call before a change, so nothing changes unrecorded. */
  ready(): Promise<void>;
  /** The revision serving now, stamped on every admin record. */
  revision(): string | null;
}

/** What an admin record names as changed. */
export type AdminTarget = { kind: string; id: string } | null;

const trails = new WeakMap<Application, { trail: AdminTrail; logger: Logger }>();

/** Makes `trail` the one {@link recordAdmin} writes to for requests of `app`. */
export function registerAdminTrail(app: Application, trail: AdminTrail, logger: Logger): void {
  trails.set(app, { trail, logger });
}

/**
 * Appends an admin record naming the request's caller (token id or certificate CN) and logs it.
 * Rejects when the trail cannot record it; the route should then answer 503, not succeed quietly.
 */
export async function recordAdmin(
  req: Request,
  action: string,
  target: AdminTarget,
  outcome: AdminEntry['outcome'],
  details: Record<string, string> = {},
): Promise<void> {
  const registered = trails.get(req.app);
  if (registered === undefined) throw new Error('no admin trail registered on this app');
  const caller = callerOf(req);
  const entry: AdminEntry = {
    type: 'admin',
    time: new Date().toISOString(),
    action,
    actor: { id: caller.id, auth: caller.auth },
    target,
    outcome,
    policy_revision: registered.trail.revision(),
    details,
  };
  const log = (req.res?.locals['log'] as Logger | undefined) ?? registered.logger;
  log.info('admin action', { action, actor: entry.actor, target, outcome });
  try {
    await registered.trail.append(entry);
  } catch (err) {
    // The change may already have happened: the log line above and this one are its only record.
    log.error('admin action could not be recorded in the audit trail', { action, actor: entry.actor, target, outcome });
    throw err;
  }
}
