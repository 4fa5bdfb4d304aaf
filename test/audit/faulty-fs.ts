/**
 * A file-system layer over the real one that counts writes and fsyncs and fails on demand, so
 * tests can prove batching and drive ENOSPC/EIO/EROFS without a full or broken disk.
 */
import { nodeAuditFs, type AuditFile, type AuditFs } from '../../src/audit/fs-layer.ts';

/** Which operations fail next, and with what errno code. */
export interface Faults {
  write: string | null;
  /** Write this many bytes before failing (a partial write, as on a full disk). */
  partialBytes: number;
  sync: string | null;
  truncate: string | null;
}

/** The counting, failing layer and its knobs. */
export interface FaultyFs {
  fs: AuditFs;
  faults: Faults;
  counts: { writes: number; syncs: number; batchSizes: number[] };
  /** Bytes of the trail known to be on disk: the written end as of the last successful sync. */
  syncedEnd: () => number;
}

function errno(code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault`);
  error.code = code;
  return error;
}

/** Wraps nodeAuditFs; only files whose path ends with `.jsonl` are counted and faulted. */
export function faultyFs(): FaultyFs {
  const faults: Faults = { write: null, partialBytes: 0, sync: null, truncate: null };
  const counts = { writes: 0, syncs: 0, batchSizes: [] as number[] };
  let writtenEnd = 0;
  let synced = 0;
  const wrap = (file: AuditFile): AuditFile => ({
    // The store then syncs after each write, which is what these tests count and fail.
    writesAreDurable: false,
    async write(data, position) {
      if (faults.write !== null) {
        if (faults.partialBytes > 0) {
          await file.write(data.subarray(0, Math.min(faults.partialBytes, data.length)), position);
        }
        throw errno(faults.write);
      }
      counts.writes += 1;
      counts.batchSizes.push(data.toString('utf8').split('\n').length - 1);
      const n = await file.write(data, position);
      writtenEnd = Math.max(writtenEnd, position + n);
      return n;
    },
    read: (buffer, position) => file.read(buffer, position),
    async sync() {
      if (faults.sync !== null) throw errno(faults.sync);
      const end = writtenEnd;
      await file.sync();
      counts.syncs += 1;
      synced = Math.max(synced, end);
    },
    async truncate(length) {
      if (faults.truncate !== null) throw errno(faults.truncate);
      await file.truncate(length);
      writtenEnd = Math.min(writtenEnd, length);
    },
    stat: () => file.stat(),
    close: () => file.close(),
  });
  const fs: AuditFs = {
    ...nodeAuditFs,
    async open(path, mode) {
      const file = await nodeAuditFs.open(path, mode);
      return path.endsWith('.jsonl') && mode !== 'read' ? wrap(file) : file;
    },
  };
  return { fs, faults, counts, syncedEnd: () => synced };
}
