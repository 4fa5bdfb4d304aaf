/**
 * The embedded approval store: an append-only JSON-lines file, one whole approval per line, each
 * line fsynced before the change is acknowledged. The newest line of an id is its state. On open
 * the file is read back (a torn last line, left by a crash mid-write, is cut off), and rewritten
 * compactly (to a temp file, fsynced, renamed) when it holds many superseded lines. One process
 * owns the file (`<file>.lock` with its pid); replicas share PostgreSQL or Redis instead.
 */
import { mkdir, open, readFile, rename, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isOpen, type Approval } from './approval.ts';
import { ApprovalStoreUnavailableError } from './errors.ts';
import {
  afterCursor,
  decodeCursor,
  encodeCursor,
  matches,
  newestFirst,
  type ApprovalPage,
  type ApprovalQuery,
  type ApprovalStore,
} from './store.ts';

/** An approval store in one local file. */
export class FileApprovalStore implements ApprovalStore {
  readonly #path: string;
  readonly #file: FileHandle;
  readonly #byId = new Map<string, Approval>();
  readonly #latest = new Map<string, string>();
  // Changes run one at a time, so a compare-and-set reads what the previous one wrote.
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(file: string, handle: FileHandle) {
    this.#path = file;
    this.#file = handle;
  }

  /**
   * Opens (creating) the file, takes its lock, and reads it back. Final approvals that expired
   * before `dropBeforeMs` (retention) are left out, and the file is compacted when they were many.
   */
  static async open(file: string, dropBeforeMs = 0): Promise<FileApprovalStore> {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await takeLock(`${file}.lock`);
      const { approvals, lines, goodBytes, torn } = await readBack(file);
      if (torn) await truncate(file, goodBytes);
      for (const a of [...approvals.values()])
        if (!isOpen(a) && Date.parse(a.expires_at) < dropBeforeMs) approvals.delete(a.id);
      if (lines > 2 * approvals.size + 100) await rewrite(file, [...approvals.values()]);
      const store = new FileApprovalStore(file, await open(file, 'a'));
      for (const a of [...approvals.values()].sort((x, y) => -newestFirst(x, y))) store.#remember(a);
      return store;
    } catch (err) {
      if (err instanceof ApprovalStoreUnavailableError) throw err;
      throw new ApprovalStoreUnavailableError(`the approval file ${file} cannot be opened`, err);
    }
  }

  latest(digest: string): Promise<Approval | null> {
    const id = this.#latest.get(digest);
    return Promise.resolve(id === undefined ? null : (this.#byId.get(id) ?? null));
  }

  create(approval: Approval, expectedLatest: string | null): Promise<boolean> {
    return this.#serial(async () => {
      if ((this.#latest.get(approval.digest) ?? null) !== expectedLatest || this.#byId.has(approval.id)) return false;
      await this.#append(approval);
      return true;
    });
  }

  get(id: string): Promise<Approval | null> {
    return Promise.resolve(this.#byId.get(id) ?? null);
  }

  update(next: Approval): Promise<boolean> {
    return this.#serial(async () => {
      const current = this.#byId.get(next.id);
      if (current === undefined || current.version !== next.version - 1) return false;
      await this.#append(next);
      return true;
    });
  }

  list(query: ApprovalQuery): Promise<ApprovalPage> {
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const all = [...this.#byId.values()]
      .filter((a) => matches(a, query) && (cursor === null || afterCursor(a, cursor)))
      .sort(newestFirst);
    const page = all.slice(0, query.limit);
    const last = page.at(-1);
    return Promise.resolve({
      approvals: page,
      next_cursor: all.length > query.limit && last !== undefined ? encodeCursor(last) : null,
    });
  }

  lapsed(nowMs: number, limit: number): Promise<Approval[]> {
    const out = [...this.#byId.values()].filter((a) => isOpen(a) && Date.parse(a.expires_at) <= nowMs);
    return Promise.resolve(out.slice(0, limit));
  }

  countPending(): Promise<number> {
    let n = 0;
    for (const a of this.#byId.values()) if (a.state === 'pending') n++;
    return Promise.resolve(n);
  }

  /** Forgets final approvals in memory; the file drops them at the next compaction (on open). */
  purge(beforeMs: number): Promise<number> {
    return this.#serial(() => {
      let n = 0;
      for (const a of [...this.#byId.values()]) {
        if (isOpen(a) || Date.parse(a.expires_at) >= beforeMs) continue;
        this.#byId.delete(a.id);
        if (this.#latest.get(a.digest) === a.id) this.#latest.delete(a.digest);
        n++;
      }
      return Promise.resolve(n);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#file.close();
    await unlink(`${this.#path}.lock`).catch(() => undefined);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new ApprovalStoreUnavailableError('the approval store is closed');
      return work();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #append(approval: Approval): Promise<void> {
    try {
      await this.#file.write(`${JSON.stringify(approval)}\n`);
      await this.#file.datasync();
    } catch (err) {
      throw new ApprovalStoreUnavailableError('the approval file cannot be written', err);
    }
    this.#remember(approval);
  }

  #remember(approval: Approval): void {
    const known = this.#byId.has(approval.id);
    this.#byId.set(approval.id, approval);
    if (!known) this.#latest.set(approval.digest, approval.id);
  }
}

/** Reads every complete line; the newest line of each id wins. */
async function readBack(
  file: string,
): Promise<{ approvals: Map<string, Approval>; lines: number; goodBytes: number; torn: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { approvals: new Map(), lines: 0, goodBytes: 0, torn: false };
    throw err;
  }
  const approvals = new Map<string, Approval>();
  let offset = 0;
  let lines = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    if (end === -1) break; // a last line without its newline was torn by a crash
    const line = text.slice(offset, end);
    let parsed: Approval;
    try {
      parsed = JSON.parse(line) as Approval;
    } catch (err) {
      throw new ApprovalStoreUnavailableError(`the approval file ${file} has an unreadable line ${lines + 1}`, err);
    }
    approvals.set(parsed.id, parsed);
    offset = end + 1;
    lines++;
  }
  const goodBytes = Buffer.byteLength(text.slice(0, offset), 'utf8');
  return { approvals, lines, goodBytes, torn: offset < text.length };
}

/** Writes `approvals` to a temp file, fsyncs it and renames it over the file. */
async function rewrite(file: string, approvals: Approval[]): Promise<void> {
  const temp = `${file}.compact`;
  const ordered = [...approvals].sort((x, y) => -newestFirst(x, y));
  await writeFile(temp, ordered.map((a) => `${JSON.stringify(a)}\n`).join(''));
  const handle = await open(temp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Takes `<file>.lock` for this process; a lock left by a dead process is taken over. */
async function takeLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && alive(holder))
      throw new ApprovalStoreUnavailableError(`the approval file is in use by process ${holder} (${lockPath})`);
    await unlink(lockPath).catch(() => undefined);
  }
  throw new ApprovalStoreUnavailableError(`cannot lock the approval file (${lockPath})`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
