/**
 * Turns a batch of entries into chained records, inserting signed checkpoints where they fall
 * due. Both stores call it with the head they hold (the file store in memory, the PostgreSQL
 * store from the locked head row), so the chain and checkpoint rules live in one place.
 */
import { sealRecord, type CheckpointSigner } from './chain.ts';
import type { AuditEntry, AuditReceipt, AuditRecord } from './record.ts';

/** The chain head plus what the checkpoint schedule needs to know. */
export interface ChainState {
  seq: number;
  hash: string;
  /** Records appended since the last checkpoint. */
  sinceCheckpoint: number;
  /** When the last checkpoint was written (ms since epoch); 0 if never. */
  lastCheckpointMs: number;
}

/** When to sign the head; no signer means no checkpoints. */
export interface CheckpointPolicy {
  signer: CheckpointSigner | null;
  everyRecords: number;
  everyMs: number;
}

/** A request for a checkpoint: `timer` if one is due by time, `close` to cover the tail now. */
export interface CheckpointTick {
  tick: 'timer' | 'close';
}

/** What a store's group committer carries. */
export type QueuedItem = AuditEntry | CheckpointTick;

/** The sealed batch: records to write, one result per input item, and the new state. */
export interface SealedBatch {
  records: AuditRecord[];
  results: (AuditReceipt | null)[];
  state: ChainState;
}

/** Seals `items` after `state`; pure apart from the clock and the signature. */
export function sealBatch(
  state: ChainState,
  items: readonly QueuedItem[],
  policy: CheckpointPolicy,
  now: () => Date,
  origin: string,
): SealedBatch {
  let head = { ...state };
  const records: AuditRecord[] = [];
  const results: (AuditReceipt | null)[] = [];
  const checkpoint = (at: Date): void => {
    if (policy.signer === null || head.sinceCheckpoint === 0) return;
    const time = at.toISOString();
    const record = sealRecord(head, policy.signer.checkpoint({ seq: head.seq, hash: head.hash }, time), time, origin);
    records.push(record);
    head = { seq: record.seq, hash: record.hash, sinceCheckpoint: 0, lastCheckpointMs: at.getTime() };
  };
  for (const item of items) {
    if ('tick' in item) {
      const at = now();
      if (item.tick === 'close' || at.getTime() - head.lastCheckpointMs >= policy.everyMs) checkpoint(at);
      results.push(null);
      continue;
    }
    const time = item.time === undefined ? now().toISOString() : new Date(item.time).toISOString();
    const record = sealRecord(head, item, time, origin);
    records.push(record);
    results.push({ seq: record.seq, hash: record.hash, time });
    head = { ...head, seq: record.seq, hash: record.hash, sinceCheckpoint: head.sinceCheckpoint + 1 };
    if (head.sinceCheckpoint >= policy.everyRecords) checkpoint(now());
  }
  return { records, results, state: head };
}
