/**
 * Builds the configured audit store from regent's config (src/config/config-keys.ts names).
 * PostgreSQL when a database URL is set (several replicas share one chain), else the file.
 */
import { hostname } from 'node:os';
import { CheckpointSigner } from './chain.ts';
import { FileAuditStore } from './file-store.ts';
import { DEFAULT_AUDIT_TABLE, PostgresAuditStore } from './postgres-store.ts';
import type { CheckpointRecord } from './record.ts';
import { STORE_DEFAULTS, type AuditStore } from './store.ts';

/** The config keys the audit trail reads; optional ones fall back to AUDIT_SETTING_DEFAULTS. */
export interface AuditSettings {
  /** REGENT_AUDIT_PATH: trail file; empty (with no database URL) disables the trail. */
  auditPath: string;
  /** REGENT_AUDIT_DATABASE_URL: PostgreSQL URL; when set it wins over auditPath. */
  auditDatabaseUrl: string;
  /** REGENT_AUDIT_SIGNING_KEY: Ed25519 private key PEM path; empty means no checkpoints. */
  auditSigningKeyPath: string;
  /** REGENT_AUDIT_TABLE: table name in PostgreSQL. */
  auditTable?: string;
  /** REGENT_AUDIT_CHECKPOINT_EVERY: sign the head after this many records. */
  auditCheckpointEveryRecords?: number;
  /** REGENT_AUDIT_CHECKPOINT_SECONDS: and at least this often while records arrive. */
  auditCheckpointEverySeconds?: number;
  /** REGENT_AUDIT_ORIGIN: this replica's name in every record (default: the host name). */
  auditOrigin?: string;
}

/** Defaults of the optional audit settings. */
export const AUDIT_SETTING_DEFAULTS = {
  auditTable: DEFAULT_AUDIT_TABLE,
  auditCheckpointEveryRecords: STORE_DEFAULTS.checkpointEveryRecords,
  auditCheckpointEverySeconds: STORE_DEFAULTS.checkpointEverySeconds,
} as const;

/** Hooks for the process wiring: where checkpoints and absorbed errors get logged, and commits counted. */
export interface AuditHooks {
  onCheckpoint?: (record: CheckpointRecord) => void;
  onError?: (error: unknown) => void;
  onCommit?: (records: number, seconds: number) => void;
}

/** Opens the configured store, or returns null when the trail is disabled. */
export async function openAuditStore(settings: AuditSettings, hooks: AuditHooks = {}): Promise<AuditStore | null> {
  const signer =
    settings.auditSigningKeyPath === '' ? null : CheckpointSigner.fromPemFile(settings.auditSigningKeyPath);
  const common = {
    origin: settings.auditOrigin ?? `${hostname()}:${process.pid}`,
    checkpoints: {
      signer,
      everyRecords: settings.auditCheckpointEveryRecords ?? AUDIT_SETTING_DEFAULTS.auditCheckpointEveryRecords,
      everyMs: 1000 * (settings.auditCheckpointEverySeconds ?? AUDIT_SETTING_DEFAULTS.auditCheckpointEverySeconds),
    },
    batch: { maxRecords: STORE_DEFAULTS.maxBatchRecords, maxBytes: STORE_DEFAULTS.maxBatchBytes },
    maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
    retryMs: STORE_DEFAULTS.retryMs,
    ...(hooks.onCheckpoint === undefined ? {} : { onCheckpoint: hooks.onCheckpoint }),
    ...(hooks.onError === undefined ? {} : { onError: hooks.onError }),
    ...(hooks.onCommit === undefined ? {} : { onCommit: hooks.onCommit }),
  };
  if (settings.auditDatabaseUrl !== '') {
    return PostgresAuditStore.open({
      ...common,
      connectionString: settings.auditDatabaseUrl,
      table: settings.auditTable ?? AUDIT_SETTING_DEFAULTS.auditTable,
    });
  }
  if (settings.auditPath === '') return null;
  return FileAuditStore.open({ ...common, path: settings.auditPath });
}
