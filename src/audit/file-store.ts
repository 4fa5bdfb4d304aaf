/**
 * The embedded audit store: one append-only JSON-lines file. `append` resolves only after the
 * batch holding the record has been written and fdatasync'ed, so an acknowledged record survives
 * a crash of the process (and of the machine, as far as the disk honours fsync). A failed write
 * is rolled back by truncating to the last durable byte, so a record whose caller was told
 * "unavailable" (and denied) never shows up in the trail afterwards.
 */
import { dirname } from 'node:path';
import type { ChainHead } from './chain.ts';
import { AuditUnavailableError } from './errors.ts';
import { forEachLine, INDEX_EVERY, parseLine, scanTrail, seekOffset, type SeqOffset } from './file-scan.ts';
import { nodeAuditFs, writeAll, type AuditFile, type AuditFs } from './fs-layer.ts';
import { openOrCreate, restoreRemoved, setAside } from './file-repair.ts';
import { GroupCommitter } from './group-commit.ts';
import { acquireLock, releaseLock } from './file-lock.ts';
import { inSession, matchesQuery, normalizeQuery, toPage, type SearchPage, type SearchQuery } from './query.ts';
import { type AuditEntry, type AuditReceipt, type AuditRecord, type CheckpointRecord } from './record.ts';
import { prepareEntry, sealBatch, type ChainState, type QueuedItem } from './sealer.ts';
import type { AuditStore, StoreOptions } from './store.ts';

/** Options of the file store. */
export interface FileStoreOptions extends StoreOptions {
  path: string;
  /** File-system layer; tests pass one that counts fsyncs or fails on demand. */
  fs?: AuditFs;
}

/** What opening found, for the start-up log line. */
export interface FileOpenReport {
  records: number;
  /** Where a torn tail was moved, when there was one. */
  tornPath: string | null;
  tornBytes: number;
}

/** The file-backed AuditStore. Open with `FileAuditStore.open`. */
export class FileAuditStore implements AuditStore {
  /** What `open` found and repaired. */
  readonly openReport: FileOpenReport;
  readonly #options: FileStoreOptions;
  readonly #fs: AuditFs;
  readonly #now: () => Date;
  readonly #committer: GroupCommitter<QueuedItem, AuditReceipt | null>;
  readonly #index: SeqOffset[];
  #file: AuditFile;
  #state: ChainState;
  /** End of the last durable record; everything before it is acknowledged. */
  #size: number;
  #broken: unknown = null;
  #retryAt = 0;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;

  private constructor(
    options: FileStoreOptions,
    file: AuditFile,
    scan: { state: ChainState; size: number; index: SeqOffset[] },
    report: FileOpenReport,
  ) {
    this.#options = options;
    this.#fs = options.fs ?? nodeAuditFs;
    this.#now = options.now ?? (() => new Date());
    this.#file = file;
    this.#state = scan.state;
    this.#size = scan.size;
    this.#index = scan.index;
    this.openReport = report;
    this.#committer = new GroupCommitter((items) => this.#commit(items), options.batch);
    const { signer, everyMs } = options.checkpoints;
    if (signer !== null && Number.isFinite(everyMs) && everyMs > 0) {
      this.#timer = setInterval(() => {
        this.#tick();
      }, everyMs);
      // The timer must not keep a finished process alive.
      this.#timer.unref();
    }
  }

  /** Opens (creating if needed) the trail: locks it, verifies it, and sets a torn tail aside. */
  static async open(options: FileStoreOptions): Promise<FileAuditStore> {
    const fs = options.fs ?? nodeAuditFs;
    const now = options.now ?? (() => new Date());
    await fs.mkdirp(dirname(options.path));
    await acquireLock(fs, `${options.path}.lock`);
    let file: AuditFile | null = null;
    try {
      file = await openOrCreate(fs, options.path);
      const scan = await scanTrail(file);
      let tornPath: string | null = null;
      if (scan.goodSize < scan.fileSize) {
        tornPath = `${options.path}.torn-${now().toISOString().replace(/[:.]/g, '-')}`;
        await setAside(fs, file, scan.goodSize, scan.fileSize, tornPath);
        await file.truncate(scan.goodSize);
        await file.sync();
      }
      const report = { records: scan.state.seq, tornPath, tornBytes: scan.fileSize - scan.goodSize };
      return new FileAuditStore(options, file, { state: scan.state, size: scan.goodSize, index: scan.index }, report);
    } catch (error) {
      await file?.close().catch(() => undefined);
      await releaseLock(fs, `${options.path}.lock`);
      throw error;
    }
  }

  /** See AuditStore.append. */
  async append(entry: AuditEntry): Promise<AuditReceipt> {
    if (this.#closed) throw new AuditUnavailableError('audit trail is closed');
    const prepared = prepareEntry(entry, this.#options.maxRecordBytes);
    return (await this.#committer.submit(prepared, prepared.bytes)) as AuditReceipt;
  }

  /** See AuditStore.head. */
  head(): Promise<ChainHead> {
    return Promise.resolve({ seq: this.#state.seq, hash: this.#state.hash });
  }

  /** See AuditStore.close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    // Cover the tail with a signature so a clean shutdown leaves nothing unsigned.
    if (this.#options.checkpoints.signer !== null) {
      await this.#committer.submit({ tick: 'close' }, 0).catch((error: unknown) => this.#options.onError?.(error));
    }
    this.#closed = true;
    await this.#committer.drain();
    await this.#file.close().catch(() => undefined);
    await releaseLock(this.#fs, `${this.#options.path}.lock`);
  }

  /** See AuditReader.sessionSteps. Scans the file: fine for the embedded store's volumes. */
  async sessionSteps(sessionId: string): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    await this.#scanFrom(0, (record) => {
      if (inSession(record, sessionId)) found.push(record);
      return true;
    });
    return found;
  }

  /** See AuditReader.search. */
  async search(query: SearchQuery): Promise<SearchPage> {
    const q = normalizeQuery(query);
    const found: AuditRecord[] = [];
    await this.#scanFrom(seekOffset(this.#index, q.afterSeq), (record) => {
      if (record.seq > q.afterSeq && matchesQuery(record, q)) found.push(record);
      return found.length <= q.limit;
    });
    return toPage(found, q.limit);
  }

  /** Reads durable records from `offset` through a separate handle, so appends continue. */
  async #scanFrom(offset: number, visit: (record: AuditRecord) => boolean): Promise<void> {
    const end = this.#size;
    const reader = await this.#fs.open(this.#options.path, 'read').catch((error: unknown) => {
      throw new AuditUnavailableError('audit trail cannot be read', error);
    });
    try {
      await forEachLine(reader, offset, end, (line) => {
        const record = parseLine(line);
        return record === null ? true : visit(record);
      });
    } finally {
      await reader.close();
    }
  }

  /** Hands a durable checkpoint to the hook; a failing hook must not fail the batch it is in. */
  #announce(record: CheckpointRecord): void {
    try {
      this.#options.onCheckpoint?.(record);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #tick(): void {
    if (this.#closed || this.#state.sinceCheckpoint === 0) return;
    this.#committer.submit({ tick: 'timer' }, 0).catch((error: unknown) => this.#options.onError?.(error));
  }

  /** Commits one batch: seal, one durable write (O_DSYNC, or a write and an fdatasync). Runs one at a time. */
  async #commit(items: QueuedItem[]): Promise<(AuditReceipt | null)[]> {
    if (this.#broken !== null) await this.#recover();
    const sealed = sealBatch(this.#state, items, this.#options.checkpoints, this.#now, this.#options.origin);
    if (sealed.records.length === 0) return sealed.results;
    const offsets: number[] = [];
    let length = 0;
    for (const line of sealed.lines) {
      offsets.push(this.#size + length);
      length += Buffer.byteLength(line, 'utf8') + 1;
    }
    const started = process.hrtime.bigint();
    try {
      await writeAll(this.#file, Buffer.from(`${sealed.lines.join('\n')}\n`, 'utf8'), this.#size);
      if (!this.#file.writesAreDurable) await this.#file.sync();
      // Writes to a removed file succeed and vanish on close: treat removal as a failure.
      if ((await this.#file.stat()).nlink === 0) throw new Error('audit trail file was removed');
    } catch (error) {
      this.#broken = error;
      this.#retryAt = 0;
      throw new AuditUnavailableError('audit trail write failed', error);
    }
    sealed.records.forEach((record, i) => {
      if ((record.seq - 1) % INDEX_EVERY === 0) this.#index.push({ seq: record.seq, offset: offsets[i] as number });
    });
    this.#size += length;
    this.#state = sealed.state;
    this.#options.onCommit?.(sealed.records.length, Number(process.hrtime.bigint() - started) / 1e9);
    for (const record of sealed.records) {
      if (record.type === 'checkpoint') this.#announce(record);
    }
    return sealed.results;
  }

  /** Puts the file back to its last durable byte (or back in place if removed) before writing again. */
  async #recover(): Promise<void> {
    const now = Date.now();
    if (now < this.#retryAt) {
      throw new AuditUnavailableError('audit trail is unavailable; retrying shortly', this.#broken);
    }
    try {
      if ((await this.#file.stat()).nlink === 0) {
        this.#file = await restoreRemoved(this.#fs, this.#file, this.#size, this.#options.path);
      } else {
        await this.#file.truncate(this.#size);
        await this.#file.sync();
      }
      this.#options.onError?.(this.#broken);
      this.#broken = null;
    } catch (error) {
      this.#retryAt = now + this.#options.retryMs;
      throw new AuditUnavailableError('audit trail is unavailable', error);
    }
  }
}
