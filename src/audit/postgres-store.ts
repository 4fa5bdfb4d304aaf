/**
 * The audit store for several replicas: one PostgreSQL table holding one chain. Each batch runs
 * in one transaction that first locks the single head row (`SELECT ... FOR UPDATE`), so replicas
 * take turns extending the chain and seq stays gap-free and linear; `append` resolves after
 * COMMIT, i.e. after PostgreSQL has flushed its WAL (synchronous_commit must stay on).
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { GENESIS_HASH, type ChainHead } from './chain.ts';
import { AuditUnavailableError } from './errors.ts';
import { GroupCommitter } from './group-commit.ts';
import { schemaSql } from './postgres-schema.ts';
import { normalizeQuery, toPage, type SearchPage, type SearchQuery } from './query.ts';
import { type AuditEntry, type AuditReceipt, type AuditRecord, type CheckpointRecord } from './record.ts';
import { prepareEntry, sealBatch, type ChainState, type QueuedItem } from './sealer.ts';
import type { AuditStore, StoreOptions } from './store.ts';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions extends StoreOptions {
  /** libpq-style URL, e.g. postgres://regent@db:5432/regent. */
  connectionString: string;
  /** Table name (lower-case identifier); `<table>_head` holds the chain head. */
  table: string;
  /** Pool size per replica; appends use one connection at a time, queries the rest. */
  poolSize?: number;
  /** How long one connection attempt or statement may take before the store gives up. */
  timeoutMs?: number;
}

/** Default table name. */
export const DEFAULT_AUDIT_TABLE = 'regent_audit';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/** The PostgreSQL-backed AuditStore. Open with `PostgresAuditStore.open`. */
export class PostgresAuditStore implements AuditStore {
  readonly #options: PostgresStoreOptions;
  readonly #pool: pg.Pool;
  readonly #now: () => Date;
  readonly #committer: GroupCommitter<QueuedItem, AuditReceipt | null>;
  readonly #t: { records: string; head: string; table: string };
  #schemaReady = false;
  #retryAt = 0;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;

  private constructor(options: PostgresStoreOptions) {
    if (!IDENTIFIER.test(options.table))
      throw new TypeError(`audit table name ${options.table} is not a plain identifier`);
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#t = {
      table: options.table,
      records: `"${options.table}"`,
      head: `"${options.table}_head"`,
    };
    const timeout = options.timeoutMs ?? 5000;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: timeout,
      statement_timeout: timeout,
      query_timeout: timeout + 1000,
      idleTimeoutMillis: 30_000,
    });
    // Idle connections die when the server restarts; without a listener that crashes the process.
    this.#pool.on('error', (error) => options.onError?.(error));
    this.#committer = new GroupCommitter((items) => this.#commit(items), options.batch);
    const { signer, everyMs } = options.checkpoints;
    if (signer !== null && Number.isFinite(everyMs) && everyMs > 0) {
      this.#timer = setInterval(() => {
        this.#tick();
      }, everyMs);
      this.#timer.unref();
    }
  }

  /** Connects and creates the schema if missing; throws AuditUnavailableError if unreachable. */
  static async open(options: PostgresStoreOptions): Promise<PostgresAuditStore> {
    const store = new PostgresAuditStore(options);
    try {
      await store.#ensureSchema();
    } catch (error) {
      await store.#pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** See AuditStore.append. */
  async append(entry: AuditEntry): Promise<AuditReceipt> {
    if (this.#closed) throw new AuditUnavailableError('audit trail is closed');
    const prepared = prepareEntry(entry, this.#options.maxRecordBytes);
    return (await this.#committer.submit(prepared, prepared.bytes)) as AuditReceipt;
  }

  /** See AuditStore.head. */
  async head(): Promise<ChainHead> {
    const rows = await this.#query<{ seq: string; hash: string }>(`SELECT seq, hash FROM ${this.#t.head} WHERE id`, []);
    const row = rows[0];
    return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(row.seq), hash: row.hash };
  }

  /** See AuditStore.close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#options.checkpoints.signer !== null) {
      await this.#committer.submit({ tick: 'close' }, 0).catch((error: unknown) => this.#options.onError?.(error));
    }
    this.#closed = true;
    await this.#committer.drain();
    await this.#pool.end();
  }

  /** See AuditReader.sessionSteps. */
  async sessionSteps(sessionId: string): Promise<AuditRecord[]> {
    const rows = await this.#query<{ record: string }>(
      `SELECT record FROM ${this.#t.records} WHERE session_id = $1 ORDER BY seq`,
      [sessionId],
    );
    return rows.map((row) => JSON.parse(row.record) as AuditRecord);
  }

  /** See AuditReader.search. */
  async search(query: SearchQuery): Promise<SearchPage> {
    const q = normalizeQuery(query);
    const params: unknown[] = [q.afterSeq];
    const where = ['seq > $1'];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.type !== null) add('type = ?', q.type);
    if (q.agent !== null) add('agent_id = ?', q.agent);
    if (q.decision !== null) add('decision = ?', q.decision);
    if (q.sinceMs !== null) add('time >= ?', new Date(q.sinceMs).toISOString());
    if (q.untilMs !== null) add('time < ?', new Date(q.untilMs).toISOString());
    params.push(q.limit + 1);
    const rows = await this.#query<{ record: string }>(
      `SELECT record FROM ${this.#t.records} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((row) => JSON.parse(row.record) as AuditRecord),
      q.limit,
    );
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
    // Any replica may find the checkpoint due; the head lock makes sure only one writes it.
    if (this.#closed) return;
    this.#committer.submit({ tick: 'timer' }, 0).catch((error: unknown) => this.#options.onError?.(error));
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      if (!this.#schemaReady) await this.#ensureSchema();
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (error) {
      if (error instanceof AuditUnavailableError) throw error;
      throw new AuditUnavailableError('audit database is unavailable', error);
    }
  }

  /** One transaction per batch: lock the head, seal, insert all rows, move the head, commit. */
  async #commit(items: QueuedItem[]): Promise<(AuditReceipt | null)[]> {
    if (Date.now() < this.#retryAt) throw new AuditUnavailableError('audit database is unavailable; retrying shortly');
    let client: PoolClient | null = null;
    const started = process.hrtime.bigint();
    try {
      if (!this.#schemaReady) await this.#ensureSchema();
      client = await this.#pool.connect();
      await client.query('BEGIN');
      const head = await client.query<{
        seq: string;
        hash: string;
        since_checkpoint: string;
        last_checkpoint_ms: string;
      }>(`SELECT seq, hash, since_checkpoint, last_checkpoint_ms FROM ${this.#t.head} WHERE id FOR UPDATE`);
      const row = head.rows[0];
      if (row === undefined) throw new Error(`${this.#t.head} has no head row`);
      const state: ChainState = {
        seq: Number(row.seq),
        hash: row.hash,
        sinceCheckpoint: Number(row.since_checkpoint),
        lastCheckpointMs: Number(row.last_checkpoint_ms),
      };
      const sealed = sealBatch(state, items, this.#options.checkpoints, this.#now, this.#options.origin);
      if (sealed.records.length > 0) {
        await client.query(
          `INSERT INTO ${this.#t.records} (seq, type, time, origin, agent_id, session_id, decision, hash, prev_hash, record)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                                $7::text[], $8::text[], $9::text[], $10::text[])`,
          columns(sealed.records, sealed.lines),
        );
        await client.query(
          `UPDATE ${this.#t.head} SET seq = $1, hash = $2, since_checkpoint = $3, last_checkpoint_ms = $4 WHERE id`,
          [sealed.state.seq, sealed.state.hash, sealed.state.sinceCheckpoint, sealed.state.lastCheckpointMs],
        );
      }
      await client.query('COMMIT');
      client.release();
      client = null;
      if (sealed.records.length > 0)
        this.#options.onCommit?.(sealed.records.length, Number(process.hrtime.bigint() - started) / 1e9);
      for (const record of sealed.records) {
        if (record.type === 'checkpoint') this.#announce(record);
      }
      return sealed.results;
    } catch (error) {
      if (client !== null) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Passing the error destroys the connection instead of returning a possibly broken one.
        client.release(error instanceof Error ? error : true);
      }
      this.#retryAt = Date.now() + this.#options.retryMs;
      this.#options.onError?.(error);
      throw error instanceof AuditUnavailableError
        ? error
        : new AuditUnavailableError('audit database is unavailable', error);
    }
  }

  /** Creates the tables, indexes and append-only triggers once per process (idempotent). */
  async #ensureSchema(): Promise<void> {
    const { table } = this.#t;
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw new AuditUnavailableError('audit database is unavailable', error);
    });
    try {
      await client.query('BEGIN');
      // Replicas starting together would otherwise race on CREATE TABLE IF NOT EXISTS.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`regent.audit.schema.${table}`]);
      await client.query(schemaSql(table));
      await client.query('COMMIT');
      client.release();
      this.#schemaReady = true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw new AuditUnavailableError('audit database is unavailable', error);
    }
  }
}

/** The INSERT ... unnest parameters: one array per column. */
function columns(records: readonly AuditRecord[], lines: readonly string[]): unknown[][] {
  const out: unknown[][] = Array.from({ length: 10 }, () => []);
  for (const [i, record] of records.entries()) {
    const decision = record.type === 'decision' ? record : null;
    const values = [
      record.seq,
      record.type,
      record.time,
      record.origin,
      decision?.agent.id ?? null,
      decision?.session?.id ?? null,
      decision?.decision ?? null,
      record.hash,
      record.prev_hash,
      lines[i],
    ];
    values.forEach((value, i) => (out[i] as unknown[]).push(value));
  }
  return out;
}
