/**
 * Metrics of the audit trail's group commits: how many records each commit made durable and how
 * long its write and sync (or transaction) took. Records per commit is the batching that keeps the
 * trail's cost per decision down under load (one durable write, or one transaction, per
 * commit), so an operator can see it; the duration is the disk's or the database's latency that
 * every decision waits for. No labels: one series each.
 */
import { Histogram, type Registry } from 'prom-client';

/** What a store reports after each durable commit. */
export type CommitObserver = (records: number, seconds: number) => void;

/** The handles, and the observer to give the store (AuditHooks.onCommit). */
export interface AuditCommitMetrics {
  records: Histogram;
  duration: Histogram;
  observe: CommitObserver;
}

/** Creates the two histograms on `registry`. */
export function createAuditCommitMetrics(registry: Registry): AuditCommitMetrics {
  const registers = [registry];
  const records = new Histogram({
    name: 'regent_audit_commit_records',
    help: 'Records (decisions and checkpoints) made durable by one audit trail commit.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  const duration = new Histogram({
    name: 'regent_audit_commit_duration_seconds',
    help: 'Time of one audit trail commit: the durable file write, or the database transaction.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  return {
    records,
    duration,
    observe: (n, seconds) => {
      records.observe(n);
      duration.observe(seconds);
    },
  };
}
