/**
 * Reading the decisions a draft is made from: every decision record of an audit trail (a file,
 * or a PostgreSQL URL) up to `until`, oldest first, through the trail's own readers.
 */
import { FileTrailReader } from '../audit/file-reader.ts';
import { DEFAULT_AUDIT_TABLE, PostgresAuditStore } from '../audit/postgres-store.ts';
import { MAX_PAGE, type AuditReader, type SearchQuery } from '../audit/query.ts';
import type { DecisionRecord } from '../audit/record.ts';
import { STORE_DEFAULTS } from '../audit/store.ts';
import { emptyReport, type SourceRead } from './source.ts';

/** Where the trail is: a file path, or a `postgres://` / `postgresql://` URL. */
export interface TrailSource {
  readonly location: string;
  /** The PostgreSQL table (default regent_audit). */
  readonly table?: string;
}

/**
 * Every decision record before `until` (exclusive; all when absent), oldest first. Records
 * before the period are read too: they are the "last seen before" evidence of unused grants.
 */
export async function readDecisions(source: TrailSource, until?: string): Promise<DecisionRecord[]> {
  const query: SearchQuery = { limit: MAX_PAGE, type: 'decision', ...(until === undefined ? {} : { until }) };
  if (!/^postgres(ql)?:\/\//.test(source.location)) return collect(new FileTrailReader(source.location), query);
  const store = await PostgresAuditStore.open({
    connectionString: source.location,
    table: source.table ?? DEFAULT_AUDIT_TABLE,
    origin: 'draft',
    checkpoints: { signer: null, everyRecords: STORE_DEFAULTS.checkpointEveryRecords, everyMs: 0 },
    batch: { maxRecords: 1, maxBytes: STORE_DEFAULTS.maxBatchBytes },
    maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
    retryMs: STORE_DEFAULTS.retryMs,
  });
  try {
    return await collect(store, query);
  } finally {
    await store.close();
  }
}

/** The trail as a draft source: every decision record before `until`, which shows everything a draft uses. */
export async function readTrail(source: TrailSource, until?: string): Promise<SourceRead> {
  const records = await readDecisions(source, until);
  const report = emptyReport('trail', source.location);
  if (records.length > 0) report.forms['audit trail'] = records.length;
  return { records, report };
}

async function collect(reader: AuditReader, query: SearchQuery): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await reader.search(cursor === null ? query : { ...query, cursor });
    for (const record of page.records) if (record.type === 'decision') out.push(record);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return out;
}
