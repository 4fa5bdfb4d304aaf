/**
 * Exports the audit trail as JSON lines: OCSF-style events (default) for a SIEM, or the raw
 * records (verifiable with scripts/audit-verify.ts when unfiltered). Reads a trail file without
 * taking the writer's lock, or pages through PostgreSQL.
 *
 *   node scripts/audit-export.ts --file var/audit/trail.jsonl [--format ocsf|raw]
 *   node scripts/audit-export.ts --database-url postgres://... [--table regent_audit]
 *     [--agent ID] [--session ID] [--since ISO] [--until ISO] [--decision allow|deny|redact]
 *     [--type decision|admin|checkpoint]
 */
import { parseArgs } from 'node:util';
import { FileTrailReader } from '../src/audit/file-reader.ts';
import { toOcsf } from '../src/audit/ocsf.ts';
import { DEFAULT_AUDIT_TABLE, PostgresAuditStore } from '../src/audit/postgres-store.ts';
import { MAX_PAGE, type AuditReader, type SearchQuery } from '../src/audit/query.ts';
import type { AuditDecision, AuditRecord, AuditRecordType } from '../src/audit/record.ts';
import { STORE_DEFAULTS } from '../src/audit/store.ts';

const USAGE =
  'usage: node scripts/audit-export.ts (--file <trail.jsonl> | --database-url <url> [--table <name>]) ' +
  '[--format ocsf|raw] [--agent <id>] [--session <id>] [--since <iso>] [--until <iso>] [--decision <d>] [--type <t>]';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    file: { type: 'string' },
    'database-url': { type: 'string' },
    table: { type: 'string', default: DEFAULT_AUDIT_TABLE },
    format: { type: 'string', default: 'ocsf' },
    agent: { type: 'string' },
    session: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    decision: { type: 'string' },
    type: { type: 'string' },
  },
  strict: true,
});

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

if ((values.file === undefined) === (values['database-url'] === undefined))
  usage('give exactly one of --file and --database-url');
if (values.format !== 'ocsf' && values.format !== 'raw') usage('--format is ocsf or raw');

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const write = (record: AuditRecord): void => {
  process.stdout.write(`${JSON.stringify(values.format === 'raw' ? record : toOcsf(record))}\n`);
};

async function exportFrom(reader: AuditReader): Promise<number> {
  if (values.session !== undefined) {
    const steps = await reader.sessionSteps(values.session);
    steps.forEach(write);
    return steps.length;
  }
  const base: SearchQuery = {
    limit: MAX_PAGE,
    ...(values.agent === undefined ? {} : { agent: values.agent }),
    ...(values.since === undefined ? {} : { since: values.since }),
    ...(values.until === undefined ? {} : { until: values.until }),
    ...(values.decision === undefined ? {} : { decision: values.decision as AuditDecision }),
    ...(values.type === undefined ? {} : { type: values.type as AuditRecordType }),
  };
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await reader.search(cursor === null ? base : { ...base, cursor });
    page.records.forEach(write);
    count += page.records.length;
    cursor = page.next_cursor;
  } while (cursor !== null);
  return count;
}

if (values.file !== undefined) {
  const count = await exportFrom(new FileTrailReader(values.file));
  process.stderr.write(`exported ${count} records\n`);
} else {
  const store = await PostgresAuditStore.open({
    connectionString: values['database-url'] ?? '',
    table: values.table,
    origin: 'audit-export',
    checkpoints: { signer: null, everyRecords: STORE_DEFAULTS.checkpointEveryRecords, everyMs: 0 },
    batch: { maxRecords: 1, maxBytes: STORE_DEFAULTS.maxBatchBytes },
    maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
    retryMs: STORE_DEFAULTS.retryMs,
  });
  try {
    const count = await exportFrom(store);
    process.stderr.write(`exported ${count} records\n`);
  } finally {
    await store.close();
  }
}
