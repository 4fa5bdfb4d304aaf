/**
 * Settings of how regent listens that only make sense together: sharing the port with other
 * regent processes (REGENT_REUSE_PORT) splits the traffic of one agent, one session, over them,
 * so every fact a decision reads or writes must live where they all see it. A process with its
 * own session memory would see only part of a session (a Chinese wall or a taint check passed on
 * the reads it did not take), and a file audit trail has one writer: refused at start-up.
 */
import type { Config } from './load-config.ts';

/** The settings read here. */
export type ListenKeys = Pick<
  Config,
  'reusePort' | 'port' | 'metricsPort' | 'redisUrl' | 'auditPath' | 'auditDatabaseUrl'
>;

/** Problems of the listen settings (empty when they fit together). */
export function checkListenKeys(c: ListenKeys): string[] {
  const problems: string[] = [];
  if (c.reusePort) {
    if (c.redisUrl === '')
      problems.push(
        'REGENT_REUSE_PORT needs REGENT_REDIS_URL: processes sharing a port each see part of a session, so session state, activity windows and resource taint must be shared',
      );
    if (c.auditPath !== '' && c.auditDatabaseUrl === '')
      problems.push(
        'REGENT_REUSE_PORT needs the audit trail in REGENT_AUDIT_DATABASE_URL (or REGENT_AUDIT_PATH= to turn it off): a file trail has one writer',
      );
    if (c.port === 0) problems.push('REGENT_REUSE_PORT needs a fixed REGENT_PORT: processes share it');
  }
  if (c.metricsPort > 0 && c.metricsPort === c.port) problems.push('REGENT_METRICS_PORT must differ from REGENT_PORT');
  return problems;
}
