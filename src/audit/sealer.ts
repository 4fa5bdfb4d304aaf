/**
 * Turns a batch of entries into chained records, inserting signed checkpoints where they fall
 * due. Both stores call it with the head they hold (the file store in memory, the PostgreSQL
 * store from the locked head row), so the chain and checkpoint rules live in one place.
 */
import { bodyMembers, sealRecord, type CheckpointSigner, type Member } from './chain.ts';
import { AuditRecordError } from './errors.ts';
import { validateEntry, type AuditEntry, type AuditReceipt, type AuditRecord } from './record.ts';

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

/** An entry checked and serialised once, when it is queued: what sealing needs besides the head. */
export interface PreparedEntry {
  entry: AuditEntry;
  /** Its members as canonical JSON (see bodyMembers in chain.ts). */
  members: readonly Member[];
  /** Approximate stored size, header included. */
  bytes: number;
}

/** Validates and serialises `entry`; throws AuditRecordError if it is invalid or too big. */
export function prepareEntry(entry: AuditEntry, maxRecordBytes: number): PreparedEntry {
  validateEntry(entry);
  let members: Member[];
  try {
    members = bodyMembers(entry);
  } catch (error) {
    throw new AuditRecordError(`audit entry cannot be encoded: ${String(error)}`);
  }
  // The header (seq, hashes, origin, time) adds well under 512 bytes.
  let bytes = 512;
  for (const [, text] of members) bytes += Buffer.byteLength(text, 'utf8') + 1;
  if (bytes > maxRecordBytes) throw new AuditRecordError(`audit entry is larger than ${maxRecordBytes} bytes`);
  return { entry, members, bytes };
}

/** What a store's group committer carries: entries (prepared when queued, or plain) and ticks. */
export type QueuedItem = PreparedEntry | AuditEntry | CheckpointTick;

/** The sealed batch: records to write (and their lines), one result per input item, and the new state. */
export interface SealedBatch {
  records: AuditRecord[];
  /** Each record's stored line (canonical JSON, no newline), in the same order. */
  lines: string[];
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
  const lines: string[] = [];
  const results: (AuditReceipt | null)[] = [];
  const checkpoint = (at: Date): void => {
    if (policy.signer === null || head.sinceCheckpoint === 0) return;
    const time = at.toISOString();
    const { record, line } = sealRecord(
      head,
      policy.signer.checkpoint({ seq: head.seq, hash: head.hash }, time),
      time,
      origin,
    );
    records.push(record);
    lines.push(line);
    head = { seq: record.seq, hash: record.hash, sinceCheckpoint: 0, lastCheckpointMs: at.getTime() };
  };
  for (const item of items) {
    if ('tick' in item) {
      const at = now();
      if (item.tick === 'close' || at.getTime() - head.lastCheckpointMs >= policy.everyMs) checkpoint(at);
      results.push(null);
      continue;
    }
    const entry = 'members' in item ? item.entry : item;
    const time = entry.time === undefined ? now().toISOString() : new Date(entry.time).toISOString();
    const { record, line } = sealRecord(head, entry, time, origin, 'members' in item ? item.members : undefined);
    records.push(record);
    lines.push(line);
    results.push({ seq: record.seq, hash: record.hash, time });
    head = { ...head, seq: record.seq, hash: record.hash, sinceCheckpoint: head.sinceCheckpoint + 1 };
    if (head.sinceCheckpoint >= policy.everyRecords) checkpoint(now());
  }
  return { records, lines, results, state: head };
}
