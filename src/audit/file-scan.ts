/**
 * Reading a trail file: line iteration for queries, and the open-time scan that finds where the
 * verified records end. Anything after that point was never acknowledged (append resolves only
 * after fsync, and the scan accepts only records that continue the chain), so it is a torn tail.
 */
import { GENESIS_HASH, recordHash } from './chain.ts';
import { AuditCorruptError } from './errors.ts';
import type { AuditFile } from './fs-layer.ts';
import type { AuditRecord } from './record.ts';
import type { ChainState } from './sealer.ts';
import { asRecord } from './verify.ts';

/** A sparse index entry: the record with `seq` starts at byte `offset`. */
export interface SeqOffset {
  seq: number;
  offset: number;
}

/** What the open-time scan found. */
export interface ScanResult {
  state: ChainState;
  /** Bytes holding complete records that continue the chain; the rest is torn. */
  goodSize: number;
  fileSize: number;
  index: SeqOffset[];
}

const CHUNK = 1 << 20;

/** Index every this many records, so a cursor can seek instead of reading from the start. */
export const INDEX_EVERY = 1024;

/**
 * Calls `visit` with each complete line in [start, end) and its byte offset; stops early when
 * `visit` returns false. Returns the offset just past the last complete line visited.
 */
export async function forEachLine(
  file: AuditFile,
  start: number,
  end: number,
  visit: (line: string, offset: number) => boolean,
): Promise<number> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = start;
  let position = start;
  while (position < end) {
    const read = await file.read(buffer.subarray(0, Math.min(CHUNK, end - position)), position);
    if (read === 0) break;
    const chunk = carry.length === 0 ? buffer.subarray(0, read) : Buffer.concat([carry, buffer.subarray(0, read)]);
    position += read;
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      if (!visit(chunk.toString('utf8', from, nl), carryOffset + from)) return carryOffset + nl + 1;
      from = nl + 1;
    }
    carry = Buffer.from(chunk.subarray(from));
    carryOffset += from;
  }
  return carryOffset;
}

/** Parses one line; null unless it is a well-formed record whose own hash holds. */
export function parseLine(line: string): AuditRecord | null {
  try {
    const record = asRecord(JSON.parse(line));
    return record !== null && recordHash(record) === record.hash ? record : null;
  } catch {
    return null;
  }
}

/**
 * Scans the whole file: every record must verify and continue the chain. Unreadable lines are
 * accepted only at the very end (a torn tail); one followed by a good record means the file was
 * damaged or edited, and the store refuses to open rather than chain onto a broken trail.
 */
export async function scanTrail(file: AuditFile): Promise<ScanResult> {
  const { size } = await file.stat();
  let state: ChainState = { seq: 0, hash: GENESIS_HASH, sinceCheckpoint: 0, lastCheckpointMs: 0 };
  let goodSize = 0;
  let badAt: number | null = null;
  let corrupt: string | null = null;
  const index: SeqOffset[] = [];
  await forEachLine(file, 0, size, (line, offset) => {
    const record = parseLine(line);
    if (record === null) {
      badAt ??= offset;
      return true;
    }
    if (badAt !== null) {
      corrupt = `record seq ${record.seq} at byte ${offset} follows an unreadable line at byte ${badAt}`;
      return false;
    }
    if (record.seq !== state.seq + 1 || record.prev_hash !== state.hash) {
      corrupt = `record at byte ${offset} (seq ${record.seq}) does not continue the chain after seq ${state.seq}`;
      return false;
    }
    if ((record.seq - 1) % INDEX_EVERY === 0) index.push({ seq: record.seq, offset });
    state =
      record.type === 'checkpoint'
        ? { seq: record.seq, hash: record.hash, sinceCheckpoint: 0, lastCheckpointMs: Date.parse(record.time) }
        : { ...state, seq: record.seq, hash: record.hash, sinceCheckpoint: state.sinceCheckpoint + 1 };
    goodSize = offset + Buffer.byteLength(line, 'utf8') + 1;
    return true;
  });
  if (corrupt !== null) {
    throw new AuditCorruptError(`audit trail is damaged: ${corrupt as string}; inspect it with regent audit verify`);
  }
  return { state, goodSize, fileSize: size, index };
}

/** Offset to start reading at to find the first record after `afterSeq`. */
export function seekOffset(index: readonly SeqOffset[], afterSeq: number): number {
  let lo = 0;
  let hi = index.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = index[mid] as SeqOffset;
    if (entry.seq <= afterSeq + 1) {
      best = entry.offset;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}
