/**
 * The interface the decision service and admin API talk to, whichever store backs it.
 */
import type { ChainHead } from './chain.ts';
import type { BatchLimits } from './group-commit.ts';
import type { AuditReader } from './query.ts';
import type { AuditEntry, AuditReceipt, CheckpointRecord } from './record.ts';
import type { CheckpointPolicy } from './sealer.ts';

/** An append-only, hash-chained audit trail. */
export interface AuditStore extends AuditReader {
  /**
   * Appends one entry; resolves once it is durable (fsynced, or committed). Rejects with
   * AuditUnavailableError when it cannot be made durable: the caller must then deny.
   */
  append(entry: AuditEntry): Promise<AuditReceipt>;
  /** The last durable record's seq and hash (seq 0 and the genesis hash when empty). */
  head(): Promise<ChainHead>;
  /** Waits for queued appends, writes a final checkpoint, and releases the store. */
  close(): Promise<void>;
}

/** Settings both stores share. */
export interface StoreOptions {
  /** Name of this regent instance, written into every record it appends. */
  origin: string;
  checkpoints: CheckpointPolicy;
  batch: BatchLimits;
  /** Largest record accepted, in bytes of its JSON line. */
  maxRecordBytes: number;
  /** After a failure, how long to wait before trying to recover again. */
  retryMs: number;
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** Called with each durable checkpoint, e.g. to ship it to the log as an external anchor. */
  onCheckpoint?: (record: CheckpointRecord) => void;
  /** Called with failures the store absorbed (recovered, retried) so they can be logged. */
  onError?: (error: unknown) => void;
  /** Called after each durable commit with its record count and duration (commit-metrics.ts). */
  onCommit?: (records: number, seconds: number) => void;
}

/** Defaults for StoreOptions (see docs/decisions/004-audit-trail.md). */
export const STORE_DEFAULTS = {
  checkpointEveryRecords: 1000,
  checkpointEverySeconds: 60,
  maxBatchRecords: 256,
  maxBatchBytes: 1 << 20,
  maxRecordBytes: 64 * 1024,
  retryMs: 1000,
} as const;
