/**
 * Human approval of escalated actions: what the decision service calls when the policy answers
 * escalate, what the approvals API calls to approve or reject, and the sweeper that expires what
 * nobody decided. Every step (requested, approved, rejected, expired, used) is an admin record in
 * the audit trail's hash chain (`approval.<step>`, target `approval/<id>`), written after the store
 * change it records, and counted in regent_approval_outcomes_total.
 *
 * For one action (one digest) the latest request decides what an identical ask gets:
 * pending -> escalate again with the same request; approved -> allowed once (the ask that moves it
 * to `used` wins, compare-and-set); rejected -> `escalate.rejected` until the request's expiry;
 * pending or approved past its expiry -> `escalate.expired`, once; then (and after `used`) a new
 * request. Imports: the store interface, the decision ports it implements, the audit record type.
 */
import { randomUUID } from 'node:crypto';
import type { AdminEntry } from '../audit/record.ts';
import { NotFoundError } from '../errors/regent-error.ts';
import type { ApprovalPort, ApprovalRefView, EscalationOutcome, EscalationRequest } from '../decision/ports.ts';
import type { Logger } from '../observability/logger.ts';
import { actionDigest, actionOf } from './action-digest.ts';
import { hasLapsed, type Actor, type Approval, type ApprovalState } from './approval.ts';
import type { ApprovalMetrics, ApprovalOutcome } from './approval-metrics.ts';
import { ApprovalConflictError, ApprovalStoreUnavailableError, SelfApprovalError } from './errors.ts';
import type { ApprovalStore } from './store.ts';

/** Where approval steps are recorded (the admin trail of src/http/admin-audit.ts fits). */
export interface ApprovalTrail {
  append(entry: AdminEntry): Promise<void>;
  /** Throws unless an append could succeed now. */
  ready(): Promise<void>;
  revision(): string | null;
}

/** Told of every step, after it is recorded; must not throw or block (src/approvals/webhook.ts). */
export interface ApprovalNotifier {
  notify(step: ApprovalOutcome, approval: Approval): void;
}

/** What the service is built from. */
export interface ApprovalServiceOptions {
  store: ApprovalStore;
  trail: ApprovalTrail;
  metrics: ApprovalMetrics;
  logger: Logger;
  /** REGENT_APPROVAL_TTL_SECONDS: how long a request may wait for a person, and an approval for its use. */
  ttlSeconds: number;
  /** REGENT_APPROVAL_URL_BASE: prefix of the console link each answer carries ('' for a relative link). */
  urlBase: string;
  notifier?: ApprovalNotifier;
  now?: () => number;
}

/** Longest reason an approver may give. */
export const MAX_APPROVAL_REASON = 1024;
// Compare-and-set retries before giving up: each retry means another replica changed the request.
const MAX_RACES = 8;

/** Approvals of escalated actions. */
export class ApprovalService implements ApprovalPort {
  readonly #o: ApprovalServiceOptions;
  readonly #now: () => number;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ApprovalServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** The store behind the service (for the API's reads). */
  get store(): ApprovalStore {
    return this.#o.store;
  }

  /** @inheritdoc */
  async escalate(e: EscalationRequest): Promise<EscalationOutcome> {
    const action = actionOf(e.request);
    const digest = actionDigest(action);
    for (let race = 0; race < MAX_RACES; race++) {
      const latest = await this.#o.store.latest(digest);
      const now = this.#now();
      if (latest !== null && hasLapsed(latest, now)) {
        await this.#expire(latest);
        continue;
      }
      switch (latest?.state) {
        case 'pending':
          return { kind: 'pending', approval: this.ref(latest) };
        case 'approved': {
          const used = this.#next(latest, 'used', { used_at: iso(now), used_by_decision: e.decisionId });
          if (!(await this.#o.store.update(used))) continue;
          await this.#record('used', used, actorOf(e.requestedBy), { decision_id: e.decisionId });
          return {
            kind: 'approved',
            approval: this.ref(used),
            approvedBy: used.decided_by?.id ?? 'unknown',
            reason: used.decision_reason,
          };
        }
        case 'rejected':
          if (Date.parse(latest.expires_at) > now)
            return {
              kind: 'rejected',
              approval: this.ref(latest),
              rejectedBy: latest.decided_by?.id ?? 'unknown',
              reason: latest.decision_reason ?? '',
            };
          break;
        case 'expired': {
          if (latest.expiry_reported) break;
          if (!(await this.#o.store.update(this.#next(latest, 'expired', { expiry_reported: true })))) continue;
          return { kind: 'expired', approval: this.ref(latest) };
        }
        default:
          break;
      }
      const created = this.#newRequest(e, action, digest, now);
      await this.#o.trail.ready();
      if (!(await this.#o.store.create(created, latest?.id ?? null))) continue;
      await this.#record('requested', created, actorOf(e.requestedBy), { decision_id: e.decisionId });
      return { kind: 'pending', approval: this.ref(created) };
    }
    throw new ApprovalStoreUnavailableError('the approval request kept changing under this decision; try again');
  }

  /** Approves a pending request as `approver`; 403 for the agent itself, 409 unless pending. */
  approve(id: string, approver: Actor, reason: string | null): Promise<Approval> {
    return this.#decide(id, approver, 'approved', reason);
  }

  /** Rejects a pending request as `approver`, with the reason the agent will read. */
  reject(id: string, approver: Actor, reason: string): Promise<Approval> {
    return this.#decide(id, approver, 'rejected', reason);
  }

  /** What an answer says about `approval`. */
  ref(approval: Approval): ApprovalRefView {
    return {
      id: approval.id,
      state: approval.state,
      expires_at: approval.expires_at,
      url: `${this.#o.urlBase}/console/#/approvals/${approval.id}`,
    };
  }

  /** Expires open requests past their expiry and forgets final ones past retention; returns how many expired. */
  async sweep(retentionSeconds: number): Promise<number> {
    const now = this.#now();
    let n = 0;
    for (const a of await this.#o.store.lapsed(now, 500)) if (await this.#expire(a)) n++;
    await this.#o.store.purge(now - retentionSeconds * 1000);
    return n;
  }

  /** Sweeps every `everyMs` until {@link stop}; failures are logged and retried at the next tick. */
  start(everyMs: number, retentionSeconds: number): void {
    this.stop();
    this.#sweeper = setInterval(() => {
      this.sweep(retentionSeconds).catch((err: unknown) =>
        this.#o.logger.warn('approval sweep failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    }, everyMs);
    this.#sweeper.unref();
  }

  /** Stops the sweeper. */
  stop(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  async #decide(id: string, approver: Actor, to: 'approved' | 'rejected', reason: string | null): Promise<Approval> {
    for (let race = 0; race < MAX_RACES; race++) {
      const current = await this.#o.store.get(id);
      if (current === null) return notFound();
      // The agent cannot approve itself: neither a credential named as the agent nor the one that asked.
      if (
        approver.id === current.agent ||
        (approver.auth !== null && current.requested_by !== null && approver.id === current.requested_by.id)
      )
        throw new SelfApprovalError();
      if (hasLapsed(current, this.#now())) {
        await this.#expire(current);
        throw new ApprovalConflictError('the approval request has expired', 'approval.expired');
      }
      if (current.state !== 'pending')
        throw new ApprovalConflictError(`the approval request is ${current.state}, not pending`);
      await this.#o.trail.ready();
      const next = this.#next(current, to, {
        decided_by: approver,
        decided_at: iso(this.#now()),
        decision_reason: reason,
      });
      if (!(await this.#o.store.update(next))) continue;
      await this.#record(to, next, approver, reason === null ? {} : { reason });
      return next;
    }
    throw new ApprovalConflictError('the approval request kept changing; read it again');
  }

  /** Moves an open request past its expiry to `expired`; true when this call did it. */
  async #expire(approval: Approval): Promise<boolean> {
    const expired = this.#next(approval, 'expired', {});
    if (!(await this.#o.store.update(expired))) return false;
    await this.#record('expired', expired, { id: 'regent', auth: null }, { was: approval.state });
    return true;
  }

  #newRequest(e: EscalationRequest, action: Record<string, unknown>, digest: string, now: number): Approval {
    const r = e.request;
    return {
      id: randomUUID(),
      version: 1,
      digest,
      state: 'pending',
      created_at: iso(now),
      expires_at: iso(now + this.#o.ttlSeconds * 1000),
      updated_at: iso(now),
      agent: r.agent.id,
      on_behalf_of: r.agent.on_behalf_of?.id ?? null,
      session_id: r.session?.id ?? null,
      tool: r.action.tool,
      kind: r.action.kind,
      action,
      reasons: e.reasons,
      decision_id: e.decisionId,
      revision: e.revision,
      requested_by: e.requestedBy,
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      used_at: null,
      used_by_decision: null,
      expiry_reported: false,
    };
  }

  #next(current: Approval, state: ApprovalState, patch: Partial<Approval>): Approval {
    return { ...current, ...patch, state, version: current.version + 1, updated_at: iso(this.#now()) };
  }

  /** Appends the step to the trail, counts it and tells the notifier; rejects when the trail cannot record it. */
  async #record(step: ApprovalOutcome, a: Approval, actor: Actor, extra: Record<string, string>): Promise<void> {
    const details: Record<string, string> = {
      digest: a.digest,
      agent: a.agent,
      tool: a.tool,
      kind: a.kind,
      state: a.state,
      expires_at: a.expires_at,
      requested_by_decision: a.decision_id,
      ...extra,
    };
    if (a.on_behalf_of !== null) details['on_behalf_of'] = a.on_behalf_of;
    if (a.session_id !== null) details['session_id'] = a.session_id;
    if (step === 'requested') details['reason_codes'] = a.reasons.map((r) => r.code).join(',');
    const entry: AdminEntry = {
      type: 'admin',
      time: a.updated_at,
      action: `approval.${step}`,
      actor: { id: actor.id, auth: actor.auth },
      target: { kind: 'approval', id: a.id },
      outcome: 'success',
      policy_revision: this.#o.trail.revision(),
      details,
    };
    this.#o.logger.info('approval step', { step, approval_id: a.id, agent: a.agent, actor: actor.id });
    await this.#o.trail.append(entry);
    this.#o.metrics.outcomes.labels(step).inc();
    this.#o.notifier?.notify(step, a);
  }
}

function actorOf(requestedBy: EscalationRequest['requestedBy']): Actor {
  return requestedBy ?? { id: 'anonymous', auth: null };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function notFound(): never {
  throw new NotFoundError('no such approval request');
}
