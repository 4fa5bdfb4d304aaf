/**
 * The embedded directory store: one JSON file, rewritten whole on each change (temp file, fsync,
 * rename, fsync of the folder), so a crash leaves the old or the new directory, never half of one.
 * For one replica: replicas share PostgreSQL instead (postgres-store.ts).
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { DirectoryRecord, DirectoryStore, DirectoryWrite } from './store.ts';

interface FileShape {
  version: number;
  records: DirectoryRecord[];
}

/** A directory kept in one file. */
export class FileDirectoryStore implements DirectoryStore {
  private readonly file: string;
  private state: FileShape;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(file: string, state: FileShape) {
    this.file = file;
    this.state = state;
  }

  /** Opens (or creates) the directory file at `file`. */
  static async open(file: string): Promise<FileDirectoryStore> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    let state: FileShape = { version: 0, records: [] };
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<FileShape>;
      if (typeof parsed.version !== 'number' || !Array.isArray(parsed.records))
        throw new Error(`${file} is not a regent directory file`);
      state = { version: parsed.version, records: parsed.records };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return new FileDirectoryStore(file, state);
  }

  version(): Promise<number> {
    return Promise.resolve(this.state.version);
  }

  changes(since: number): Promise<{ version: number; records: DirectoryRecord[] }> {
    return Promise.resolve({
      version: this.state.version,
      records: this.state.records.filter((r) => r.version > since),
    });
  }

  write(writes: readonly DirectoryWrite[]): Promise<number> {
    const run = this.queue.then(async () => {
      const version = this.state.version + 1;
      const byKey = new Map(this.state.records.map((r) => [`${r.kind}/${r.id}`, r]));
      for (const w of writes) byKey.set(`${w.kind}/${w.id}`, { ...w, version });
      const next: FileShape = { version, records: [...byKey.values()] };
      await this.persist(next);
      this.state = next;
      return version;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async persist(state: FileShape): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    const dir = await open(path.dirname(path.resolve(this.file)), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
