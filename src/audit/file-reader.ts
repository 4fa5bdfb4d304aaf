/**
 * Read-only access to a trail file, without the writer's lock: for exports and investigations
 * while regent keeps appending. Only complete lines count; a tail being written is skipped.
 */
import { nodeAuditFs, type AuditFs } from './fs-layer.ts';
import { forEachLine, parseLine } from './file-scan.ts';
import {
  inSession,
  matchesQuery,
  normalizeQuery,
  toPage,
  type AuditReader,
  type SearchPage,
  type SearchQuery,
} from './query.ts';
import type { AuditRecord } from './record.ts';

/** An AuditReader over a trail file that some other process may be appending to. */
export class FileTrailReader implements AuditReader {
  readonly #path: string;
  readonly #fs: AuditFs;

  constructor(path: string, fs: AuditFs = nodeAuditFs) {
    this.#path = path;
    this.#fs = fs;
  }

  /** Calls `visit` for every readable record in file order; stops when it returns false. */
  async forEach(visit: (record: AuditRecord) => boolean): Promise<void> {
    const file = await this.#fs.open(this.#path, 'read');
    try {
      const { size } = await file.stat();
      await forEachLine(file, 0, size, (line) => {
        const record = parseLine(line);
        return record === null ? true : visit(record);
      });
    } finally {
      await file.close();
    }
  }

  /** See AuditReader.sessionSteps. */
  async sessionSteps(sessionId: string): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    await this.forEach((record) => {
      if (inSession(record, sessionId)) found.push(record);
      return true;
    });
    return found;
  }

  /** See AuditReader.search. */
  async search(query: SearchQuery): Promise<SearchPage> {
    const q = normalizeQuery(query);
    const found: AuditRecord[] = [];
    await this.forEach((record) => {
      if (record.seq > q.afterSeq && matchesQuery(record, q)) found.push(record);
      return found.length <= q.limit;
    });
    return toPage(found, q.limit);
  }
}
