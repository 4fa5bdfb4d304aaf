/**
 * The few file operations the file store needs, behind an interface so tests can count fsyncs
 * (to prove group commit batches) and inject ENOSPC/EIO without filling a real disk.
 */
import { constants, fstatSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';

/** An open file, positioned writes only (the store tracks its own end offset). */
export interface AuditFile {
  /**
   * True when a write returns only once its bytes and the file size are on stable storage (the
   * file was opened with O_DSYNC), so no fdatasync is needed after it.
   */
  readonly writesAreDurable: boolean;
  /** Writes at `position`; may write fewer bytes than asked (returns how many). */
  write(data: Buffer, position: number): Promise<number>;
  read(buffer: Buffer, position: number): Promise<number>;
  /** fdatasync: returns once written bytes and the file size are on stable storage. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  /** Size, and link count (0 once the file was removed from its directory). */
  stat(): Promise<{ size: number; nlink: number }>;
  close(): Promise<void>;
}

/** Opening files and the directory operations around them. */
export interface AuditFs {
  /** `create` fails if the file exists; `open` fails if it does not; `read` is read-only. */
  open(path: string, mode: 'create' | 'open' | 'read'): Promise<AuditFile>;
  readText(path: string): Promise<string>;
  mkdirp(path: string): Promise<void>;
  /** fsync on a directory, so a created, renamed or linked name survives a crash. */
  syncDir(path: string): Promise<void>;
  /** Hard link; fails with EEXIST rather than replacing `to`. */
  link(from: string, to: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

class NodeAuditFile implements AuditFile {
  readonly #handle: FileHandle;
  readonly writesAreDurable: boolean;

  constructor(handle: FileHandle, writesAreDurable: boolean) {
    this.#handle = handle;
    this.writesAreDurable = writesAreDurable;
  }

  async write(data: Buffer, position: number): Promise<number> {
    return (await this.#handle.write(data, 0, data.length, position)).bytesWritten;
  }

  async read(buffer: Buffer, position: number): Promise<number> {
    return (await this.#handle.read(buffer, 0, buffer.length, position)).bytesRead;
  }

  sync(): Promise<void> {
    return this.#handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.#handle.truncate(length);
  }

  /**
   * fstat of the open descriptor, run synchronously: it reads the in-memory inode of a file this
   * process holds open and never waits on the disk (about 0.5 µs), while a thread-pool round trip
   * costs 13-22 µs of CPU and a thread switch, once per group commit (measured 2026-11-24).
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- async only so a throw rejects
  async stat(): Promise<{ size: number; nlink: number }> {
    const stats = fstatSync(this.#handle.fd);
    return { size: stats.size, nlink: stats.nlink };
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

/** O_DSYNC, or 0 where the platform has none. */
const DSYNC: number = (constants as { O_DSYNC?: number }).O_DSYNC ?? 0;

/**
 * The real file system. Files opened to write are opened with O_DSYNC: a write returns once its
 * bytes and the file size are durable, what a write followed by fdatasync gives, in one trip
 * through libuv's thread pool instead of two (`node bench/durable-append.ts`; record 004,
 * addendum of 2026-12-07): at moderate rates a group commit carries one record, so that cost is
 * paid per decision.
 */
export const nodeAuditFs: AuditFs = {
  async open(path, mode) {
    const flags =
      mode === 'create'
        ? constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | DSYNC
        : mode === 'open'
          ? constants.O_RDWR | DSYNC
          : constants.O_RDONLY;
    // Where the platform has no O_DSYNC (the flag is then 0), the store syncs after each write.
    return new NodeAuditFile(await open(path, flags, 0o640), mode !== 'read' && DSYNC !== 0);
  },
  readText: (path) => readFile(path, 'utf8'),
  mkdirp: async (path) => {
    await mkdir(path, { recursive: true });
  },
  async syncDir(path) {
    const handle = await open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  link: (from, to) => link(from, to),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
};

/** Writes all of `data` at `position`, looping over short writes (ENOSPC can write part). */
export async function writeAll(file: AuditFile, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const written = await file.write(data.subarray(done), position + done);
    if (written <= 0) throw new Error('write made no progress');
    done += written;
  }
}
