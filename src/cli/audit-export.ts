/**
 * `regent audit export`: writes the audit trail as JSON lines, OCSF-style events (default) for a
 * SIEM or the raw records (which `regent audit verify` checks when unfiltered). Reads a trail
 * file without taking the writer's lock, or pages through PostgreSQL.
 */
import { FileTrailReader } from '../audit/file-reader.ts';
import { toOcsf } from '../audit/ocsf.ts';
import { DEFAULT_AUDIT_TABLE, PostgresAuditStore } from '../audit/postgres-store.ts';
import { MAX_PAGE, type AuditReader, type SearchQuery } from '../audit/query.ts';
import type { AuditDecision, AuditRecord, AuditRecordType } from '../audit/record.ts';
import { STORE_DEFAULTS } from '../audit/store.ts';
import { EXIT, parseFlags, runCommand, UsageError, type Command } from './command.ts';

const HELP = `usage: regent audit export (--file <trail.jsonl> | --database-url <url> [--table <name>])
                          [--format ocsf|raw] [--agent <id>] [--session <id>] [--since <iso>]
                          [--until <iso>] [--decision allow|deny|redact] [--type decision|admin|checkpoint]

Writes the audit trail to stdout as JSON lines and the count to stderr.

  --file <path>          a trail file (REGENT_AUDIT_PATH); read without the writer's lock
  --database-url <url>   a PostgreSQL trail (REGENT_AUDIT_DATABASE_URL)
  --table <name>         its table (default ${DEFAULT_AUDIT_TABLE})
  --format ocsf|raw      OCSF-style events (default) or the raw, verifiable records
  --agent, --session, --since, --until, --decision, --type
                         filters; --session gives that session's steps in order

Exit: 0 exported, 1 the trail cannot be read, 2 usage error.
`;

const DECISIONS: readonly string[] = ['allow', 'deny', 'redact', 'escalate'];
const TYPES: readonly string[] = ['decision', 'admin', 'checkpoint'];

/** `regent audit export`. */
export const auditExport: Command = {
  path: ['audit', 'export'],
  help: HELP,
  run: (argv) =>
    runCommand(auditExport, async () => {
      const { values } = parseFlags(argv, {
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
      });
      if ((values.file === undefined) === (values['database-url'] === undefined))
        throw new UsageError('give exactly one of --file and --database-url');
      if (values.format !== 'ocsf' && values.format !== 'raw') throw new UsageError('--format is ocsf or raw');
      if (values.decision !== undefined && !DECISIONS.includes(values.decision))
        throw new UsageError(`--decision is one of ${DECISIONS.join(', ')}`);
      if (values.type !== undefined && !TYPES.includes(values.type))
        throw new UsageError(`--type is one of ${TYPES.join(', ')}`);

      // A reader that stops early (`| head`) is not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      const raw = values.format === 'raw';
      const write = (record: AuditRecord): void => {
        process.stdout.write(`${JSON.stringify(raw ? record : toOcsf(record))}\n`);
      };
      const filters: SearchQuery = {
        limit: MAX_PAGE,
        ...(values.agent === undefined ? {} : { agent: values.agent }),
        ...(values.since === undefined ? {} : { since: values.since }),
        ...(values.until === undefined ? {} : { until: values.until }),
        ...(values.decision === undefined ? {} : { decision: values.decision as AuditDecision }),
        ...(values.type === undefined ? {} : { type: values.type as AuditRecordType }),
      };
      const session = values.session;
      const exportFrom = (reader: AuditReader) => exportRecords(reader, filters, session, write);

      let count: number;
      if (values.file !== undefined) {
        count = await exportFrom(new FileTrailReader(values.file));
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
          count = await exportFrom(store);
        } finally {
          await store.close();
        }
      }
      process.stderr.write(`exported ${count} records\n`);
      return EXIT.ok;
    }),
};

/** Writes every matching record (a session's steps in order, else search pages); resolves with the count. */
async function exportRecords(
  reader: AuditReader,
  filters: SearchQuery,
  session: string | undefined,
  write: (record: AuditRecord) => void,
): Promise<number> {
  if (session !== undefined) {
    const steps = await reader.sessionSteps(session);
    steps.forEach(write);
    return steps.length;
  }
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await reader.search(cursor === null ? filters : { ...filters, cursor });
    page.records.forEach(write);
    count += page.records.length;
    cursor = page.next_cursor;
  } while (cursor !== null);
  return count;
}
