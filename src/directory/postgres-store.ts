/**
 * The shared directory store: PostgreSQL, for replicas. Writers serialize on one version row
 * (UPDATE ... RETURNING locks it until commit), so versions are gap-free in commit order and a
 * reader that has seen version N has seen every record written at N or before. A replica reads
 * the version per decision (one indexed single-row SELECT) and only the rows changed since.
 */
import pg from 'pg';
import type { DirectoryRecord, DirectoryStore, DirectoryWrite, ResourceKind } from './store.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS regent_directory (
    kind text NOT NULL,
    id text NOT NULL,
    doc jsonb NOT NULL,
    deleted boolean NOT NULL,
    version bigint NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE INDEX IF NOT EXISTS regent_directory_version_idx ON regent_directory (version);
  CREATE TABLE IF NOT EXISTS regent_directory_head (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
  );
  INSERT INTO regent_directory_head (id, version) VALUES (true, 0) ON CONFLICT DO NOTHING;
`;

/** A directory shared by replicas through PostgreSQL. */
export class PostgresDirectoryStore implements DirectoryStore {
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects and creates the tables when missing (idempotent, safe for replicas starting together). */
  static async open(connectionString: string): Promise<PostgresDirectoryStore> {
    const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        // One creator at a time: CREATE ... IF NOT EXISTS races between sessions.
        await client.query('SELECT pg_advisory_lock(72217001)');
        try {
          await client.query(SCHEMA);
        } finally {
          await client.query('SELECT pg_advisory_unlock(72217001)');
        }
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresDirectoryStore(pool);
  }

  async version(): Promise<number> {
    const r = await this.pool.query<{ version: string }>('SELECT version FROM regent_directory_head');
    return Number(r.rows[0]?.version ?? 0);
  }

  async changes(since: number): Promise<{ version: number; records: DirectoryRecord[] }> {
    // One statement, one snapshot: the head and the rows agree.
    const r = await this.pool.query<{
      head: string;
      kind: ResourceKind | null;
      id: string | null;
      doc: Record<string, unknown> | null;
      deleted: boolean | null;
      version: string | null;
    }>(
      `SELECT h.version AS head, d.kind, d.id, d.doc, d.deleted, d.version
         FROM regent_directory_head h LEFT JOIN regent_directory d ON d.version > $1
        ORDER BY d.version`,
      [since],
    );
    const records: DirectoryRecord[] = [];
    for (const row of r.rows) {
      if (row.kind === null || row.id === null || row.doc === null) continue;
      records.push({
        kind: row.kind,
        id: row.id,
        doc: row.doc,
        deleted: row.deleted === true,
        version: Number(row.version),
      });
    }
    return { version: Number(r.rows[0]?.head ?? 0), records };
  }

  async write(writes: readonly DirectoryWrite[]): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const head = await client.query<{ version: string }>(
        'UPDATE regent_directory_head SET version = version + 1 RETURNING version',
      );
      const version = Number(head.rows[0]?.version);
      for (const w of writes) {
        await client.query(
          `INSERT INTO regent_directory (kind, id, doc, deleted, version) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (kind, id) DO UPDATE SET doc = EXCLUDED.doc, deleted = EXCLUDED.deleted, version = EXCLUDED.version`,
          [w.kind, w.id, JSON.stringify(w.doc), w.deleted, version],
        );
      }
      await client.query('COMMIT');
      return version;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
