/**
 * The approvals' metrics, on the app's one registry: a gauge of pending requests (read from the
 * store at scrape time, so replicas sharing a store report the same number) and a counter of
 * steps by outcome, a closed set.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Steps of an approval request: the only values the `outcome` label takes. */
export const APPROVAL_OUTCOMES = ['requested', 'approved', 'rejected', 'expired', 'used'] as const;

/** One of {@link APPROVAL_OUTCOMES}. */
export type ApprovalOutcome = (typeof APPROVAL_OUTCOMES)[number];

/** The approvals' metric handles. */
export interface ApprovalMetrics {
  outcomes: Counter<'outcome'>;
  pending: Gauge;
}

/** Registers the approval metrics; `countPending` is asked at each scrape (a failure leaves the last value). */
export function createApprovalMetrics(registry: Registry, countPending: () => Promise<number>): ApprovalMetrics {
  const outcomes = new Counter({
    name: 'regent_approval_outcomes_total',
    help: 'Steps of approval requests for escalated actions, by outcome (requested, approved, rejected, expired, used).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const o of APPROVAL_OUTCOMES) outcomes.labels(o).inc(0);
  const pending = new Gauge({
    name: 'regent_approvals_pending',
    help: 'Approval requests waiting for a person (read from the approval store when scraped).',
    registers: [registry],
    async collect() {
      try {
        this.set(await countPending());
      } catch {
        // The store is down: keep the last value; regent_approval_store errors show in the logs.
      }
    },
  });
  return { outcomes, pending };
}
