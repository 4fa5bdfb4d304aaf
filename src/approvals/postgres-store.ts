/**
 * Approval requests in PostgreSQL, for replicas that share them. One row per request holding the
 * whole document (`doc`, jsonb) beside the columns queries filter on. A change is
 * `UPDATE ... WHERE id = $1 AND version = $2`, so of two replicas approving, consuming or
 * expiring the same request exactly one wins; creation takes a transaction-scoped advisory lock
 * on the digest, so two replicas asking the same action at once make one request.
 */
import pg from 'pg';
import type { Approval } from './approval.ts';
import { ApprovalStoreUnavailableError } from './errors.ts';
import { decodeCursor, encodeCursor, type ApprovalPage, type ApprovalQuery, type ApprovalStore } from './store.ts';

/** Default table name. */
export const DEFAULT_APPROVAL_TABLE = 'regent_approvals';

/** An approval store in a PostgreSQL table (created when missing). */
export class PostgresApprovalStore implements ApprovalStore {
  readonly #pool: pg.Pool;
  readonly #table: string;

  private constructor(pool: pg.Pool, table: string) {
    this.#pool = pool;
    this.#table = table;
  }

  /** Connects and creates the table and its indexes when missing. */
  static async open(options: {
    connectionString: string;
    table?: string;
    onError?: (err: unknown) => void;
  }): Promise<PostgresApprovalStore> {
    const table = options.table ?? DEFAULT_APPROVAL_TABLE;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new RangeError('approval table name must be a plain identifier');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 4,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
    });
    pool.on('error', (err) => options.onError?.(err));
    const store = new PostgresApprovalStore(pool, table);
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (
        id text PRIMARY KEY,
        digest text NOT NULL,
        state text NOT NULL,
        agent text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        version integer NOT NULL,
        doc jsonb NOT NULL)`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_digest ON ${table} (digest, created_at DESC, id DESC)`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_open ON ${table} (state, expires_at)`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${table}_created ON ${table} (created_at DESC, id DESC)`);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new ApprovalStoreUnavailableError('the approval table cannot be created', err);
    }
    return store;
  }

  async latest(digest: string): Promise<Approval | null> {
    const rows = await this.#query(
      `SELECT doc FROM ${this.#table} WHERE digest = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [digest],
    );
    return rows[0]?.doc ?? null;
  }

  async create(approval: Approval, expectedLatest: string | null): Promise<boolean> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`regent.approval:${approval.digest}`]);
      const latest = await client.query<{ id: string }>(
        `SELECT id FROM ${this.#table} WHERE digest = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
        [approval.digest],
      );
      if ((latest.rows[0]?.id ?? null) !== expectedLatest) {
        await client.query('ROLLBACK');
        return false;
      }
      await client.query(
        `INSERT INTO ${this.#table} (id, digest, state, agent, created_at, expires_at, version, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          approval.id,
          approval.digest,
          approval.state,
          approval.agent,
          approval.created_at,
          approval.expires_at,
          approval.version,
          JSON.stringify(approval),
        ],
      );
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw new ApprovalStoreUnavailableError('the approval request cannot be stored', err);
    } finally {
      client?.release();
    }
  }

  async get(id: string): Promise<Approval | null> {
    const rows = await this.#query(`SELECT doc FROM ${this.#table} WHERE id = $1`, [id]);
    return rows[0]?.doc ?? null;
  }

  async update(next: Approval): Promise<boolean> {
    try {
      const result = await this.#pool.query(
        `UPDATE ${this.#table} SET state = $3, expires_at = $4, version = $5, doc = $6
         WHERE id = $1 AND version = $2`,
        [next.id, next.version - 1, next.state, next.expires_at, next.version, JSON.stringify(next)],
      );
      return result.rowCount === 1;
    } catch (err) {
      throw new ApprovalStoreUnavailableError('the approval request cannot be updated', err);
    }
  }

  async list(query: ApprovalQuery): Promise<ApprovalPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state !== undefined) where.push(`state = $${params.push(query.state)}`);
    if (query.agent !== undefined) where.push(`agent = $${params.push(query.agent)}`);
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (cursor !== null)
      where.push(`(created_at, id) < ($${params.push(cursor.created_at)}::timestamptz, $${params.push(cursor.id)})`);
    const rows = await this.#query(
      `SELECT doc FROM ${this.#table} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY created_at DESC, id DESC LIMIT $${params.push(query.limit + 1)}`,
      params,
    );
    const approvals = rows.slice(0, query.limit).map((r) => r.doc);
    const last = approvals.at(-1);
    return { approvals, next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last) : null };
  }

  async lapsed(nowMs: number, limit: number): Promise<Approval[]> {
    const rows = await this.#query(
      `SELECT doc FROM ${this.#table} WHERE state IN ('pending', 'approved') AND expires_at <= $1 LIMIT $2`,
      [new Date(nowMs).toISOString(), limit],
    );
    return rows.map((r) => r.doc);
  }

  async countPending(): Promise<number> {
    const rows = await this.#query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#table} WHERE state = 'pending'`,
      [],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async purge(beforeMs: number): Promise<number> {
    try {
      const result = await this.#pool.query(
        `DELETE FROM ${this.#table} WHERE state IN ('rejected', 'expired', 'used') AND expires_at < $1`,
        [new Date(beforeMs).toISOString()],
      );
      return result.rowCount ?? 0;
    } catch (err) {
      throw new ApprovalStoreUnavailableError('old approval requests cannot be purged', err);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow = { doc: Approval }>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw new ApprovalStoreUnavailableError('the approval store cannot be read', err);
    }
  }
}
