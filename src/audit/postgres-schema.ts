/**
 * The PostgreSQL schema of the audit trail. Records are stored as their exact canonical JSON
 * line (text, not jsonb: jsonb reorders keys and normalizes numbers, and the hash is over the
 * exact bytes); a few columns are copied out only to index queries. The single head row is what
 * appending transactions lock, which is what keeps one linear chain across replicas.
 */
import { GENESIS_HASH } from './chain.ts';

/** Idempotent DDL for `table` (records), `<table>_head`, and append-only triggers. */
export function schemaSql(table: string): string {
  const records = `"${table}"`;
  const head = `"${table}_head"`;
  const fn = `"${table}_append_only"`;
  return `
    CREATE TABLE IF NOT EXISTS ${records} (
      seq bigint PRIMARY KEY,
      type text NOT NULL,
      time timestamptz NOT NULL,
      origin text NOT NULL,
      agent_id text,
      session_id text,
      decision text,
      hash text NOT NULL,
      prev_hash text NOT NULL,
      record text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS "${table}_session" ON ${records} (session_id, seq) WHERE session_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS "${table}_agent" ON ${records} (agent_id, seq) WHERE agent_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS "${table}_time" ON ${records} (time);
    CREATE TABLE IF NOT EXISTS ${head} (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      seq bigint NOT NULL,
      hash text NOT NULL,
      since_checkpoint bigint NOT NULL,
      last_checkpoint_ms bigint NOT NULL
    );
    INSERT INTO ${head} (id, seq, hash, since_checkpoint, last_checkpoint_ms)
      VALUES (true, 0, '${GENESIS_HASH}', 0, 0) ON CONFLICT DO NOTHING;
    CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'regent audit records are append-only'; END $$;
    CREATE OR REPLACE TRIGGER "${table}_no_change" BEFORE UPDATE OR DELETE ON ${records}
      FOR EACH ROW EXECUTE FUNCTION ${fn}();
    CREATE OR REPLACE TRIGGER "${table}_no_truncate" BEFORE TRUNCATE ON ${records}
      FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();
  `;
}
