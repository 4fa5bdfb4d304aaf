/**
 * Settings that work on one instance but split state between replicas. Session state or the
 * audit trail in Redis or PostgreSQL is how regent runs as several replicas; a file store beside
 * them is then one replica's alone: an approval given on one is unknown to the others, and a SCIM
 * change (a leaver's deactivation) reaches only the replica that took it. A single instance may
 * use Redis for its own sake, so these are warnings at start, not refusals.
 */
import type { Config } from './load-config.ts';

/** The settings read here. */
export type ReplicaKeys = Pick<
  Config,
  'redisUrl' | 'auditDatabaseUrl' | 'approvalStore' | 'directoryPath' | 'directoryDatabaseUrl'
>;

/** One line per store left in a file while other state is shared (empty when none). */
export function replicaWarnings(c: ReplicaKeys): string[] {
  if (c.redisUrl === '' && c.auditDatabaseUrl === '') return [];
  const shared = 'session state or the audit trail is shared (REGENT_REDIS_URL, REGENT_AUDIT_DATABASE_URL)';
  const warnings: string[] = [];
  if (c.approvalStore === 'file')
    warnings.push(
      `approval requests are in a file (REGENT_APPROVAL_STORE=file) while ${shared}: with several replicas, an approval given on one is unknown to the others; set REGENT_APPROVAL_STORE=redis or postgres`,
    );
  if (c.directoryPath !== '' && c.directoryDatabaseUrl === '')
    warnings.push(
      `the SCIM principal directory is a file (REGENT_DIRECTORY_PATH) while ${shared}: with several replicas, a change provisioned to one, a leaver's deactivation included, never reaches the others; set REGENT_DIRECTORY_DATABASE_URL, or REGENT_DIRECTORY_PATH= to turn SCIM off`,
    );
  return warnings;
}
