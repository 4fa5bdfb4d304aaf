/**
 * Human approval of escalated actions: the entry point the composition root (src/regent.ts)
 * uses. This folder owns approval requests (src/approvals/approval.ts), the digest that binds one
 * to an exact action, the stores (an fsynced JSON-lines file; PostgreSQL or Redis for replicas),
 * the service that answers escalations and records every step in the audit trail, the sweeper that
 * expires undecided requests, metrics and the signed webhook. It imports the decision ports it
 * implements, the audit record type, the flow's Redis connection and the error catalogue; the HTTP
 * routes (src/http/routes/approvals.ts) and the console import it, never the other way round.
 */
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { ApprovalPort, EscalationRequest } from '../decision/ports.ts';
import type { Logger } from '../observability/logger.ts';
import { createApprovalMetrics } from './approval-metrics.ts';
import { ApprovalService, type ApprovalTrail } from './approval-service.ts';
import { ApprovalStoreUnavailableError } from './errors.ts';
import { FileApprovalStore } from './file-store.ts';
import { PostgresApprovalStore } from './postgres-store.ts';
import { RedisApprovalStore } from './redis-store.ts';
import type { ApprovalStore } from './store.ts';
import { WebhookNotifier } from './webhook.ts';

export { ApprovalService } from './approval-service.ts';
export type { Approval, ApprovalState } from './approval.ts';

/** The configuration keys the approvals read. */
export interface ApprovalSettings {
  approvalTtlSeconds: number;
  approvalStore: 'file' | 'redis' | 'postgres';
  approvalsPath: string;
  approvalDatabaseUrl: string;
  approvalRetentionSeconds: number;
  approvalUrlBase: string;
  approvalWebhookUrl: string;
  approvalWebhookSecretFile: string;
  auditDatabaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
}

/** The approvals as regent wires them: a port for the decision service, the service for the API. */
export interface Approvals {
  /** What the decision service calls; rejects ApprovalStoreUnavailableError until started. */
  readonly port: ApprovalPort;
  /** The service behind the API (opening the store if it is not open yet); rejects ApprovalStoreUnavailableError. */
  service(): Promise<ApprovalService>;
  /** Opens the store and starts the sweeper. Never throws: a store that cannot open is retried on use. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the approvals from configuration; nothing is opened until `start()`. */
export function createApprovals(
  settings: ApprovalSettings,
  deps: { registry: Registry; trail: ApprovalTrail; logger: Logger; now?: () => number },
): Approvals {
  let service: ApprovalService | undefined;
  let opening: Promise<void> | undefined;
  let store: ApprovalStore | undefined;
  const urlBase = settings.approvalUrlBase.replace(/\/+$/, '');
  const metrics = createApprovalMetrics(deps.registry, async () => (store === undefined ? 0 : store.countPending()));
  const notifier =
    settings.approvalWebhookUrl === ''
      ? undefined
      : new WebhookNotifier({
          url: settings.approvalWebhookUrl,
          secret: readFileSync(settings.approvalWebhookSecretFile, 'utf8').trim(),
          link: (a) => `${urlBase}/console/#/approvals/${a.id}`,
          registry: deps.registry,
          logger: deps.logger,
        });

  async function open(): Promise<void> {
    try {
      store = await openStore(settings, deps.logger);
      service = new ApprovalService({
        store,
        trail: deps.trail,
        metrics,
        logger: deps.logger,
        ttlSeconds: settings.approvalTtlSeconds,
        urlBase,
        ...(notifier === undefined ? {} : { notifier }),
        ...(deps.now === undefined ? {} : { now: deps.now }),
      });
      service.start(
        Math.min(30_000, Math.max(1000, (settings.approvalTtlSeconds * 1000) / 4)),
        settings.approvalRetentionSeconds,
      );
    } catch (err) {
      deps.logger.error('the approval store cannot be opened; escalated actions are denied until it can', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  async function ready(): Promise<ApprovalService> {
    if (service === undefined) {
      opening ??= open().finally(() => (opening = undefined));
      await opening;
    }
    if (service === undefined) throw new ApprovalStoreUnavailableError('the approval store is not open');
    return service;
  }

  return {
    port: { escalate: async (e: EscalationRequest) => (await ready()).escalate(e) },
    service: ready,
    async start() {
      await ready().catch(() => undefined);
    },
    async close() {
      service?.stop();
      await notifier?.close();
      await store?.close();
    },
  };
}

async function openStore(s: ApprovalSettings, logger: Logger): Promise<ApprovalStore> {
  if (s.approvalStore === 'postgres')
    return PostgresApprovalStore.open({
      connectionString: s.approvalDatabaseUrl === '' ? s.auditDatabaseUrl : s.approvalDatabaseUrl,
      onError: (err) => logger.warn('approval store connection error', { error: String(err) }),
    });
  if (s.approvalStore === 'redis') {
    const store = new RedisApprovalStore({
      url: s.redisUrl,
      keyPrefix: s.redisKeyPrefix,
      retentionSeconds: s.approvalRetentionSeconds,
    });
    await store.waitUntilReady(2000);
    return store;
  }
  return FileApprovalStore.open(s.approvalsPath, Date.now() - s.approvalRetentionSeconds * 1000);
}
