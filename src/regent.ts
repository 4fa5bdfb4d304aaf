/**
 * The composition root: builds every part of regent from a frozen Config (metrics, policy
 * store, session and activity stores, audit trail, decision service, HTTP app). main.ts adds
 * only the socket and signals, and tests build the same thing in-process.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Express } from 'express';
import { createApp } from './app.ts';
import { createAuditCommitMetrics } from './audit/commit-metrics.ts';
import { openAuditStore } from './audit/open-store.ts';
import { auditPort } from './audit/decision-port.ts';
import { AuditUnavailableError } from './audit/errors.ts';
import type { AdminEntry } from './audit/record.ts';
import type { AuditStore } from './audit/store.ts';
import type { Config } from './config/load-config.ts';
import { classificationRanks, DEFAULT_RANKS } from './decision/build-input.ts';
import { DecisionService } from './decision/decision-service.ts';
import type { ActivityPort, AuditPort, ResourceTaintPort, SessionPort } from './decision/ports.ts';
import { createRedactionPort } from './decision/redaction-port.ts';
import { describeThrown } from './errors/policy-errors.ts';
import { NotReadyError } from './errors/regent-error.ts';
import { activityPort, createFlowStores, sessionPort, type FlowStores } from './flow/index.ts';
import type { AdminTrail } from './http/admin-audit.ts';
import { createPrincipalVerifier } from './identity/index.ts';
import { directoryEnabled, openDirectory, type Directory } from './directory/index.ts';
import { createApprovals } from './approvals/index.ts';
import { DrainState } from './http/server/drain-state.ts';
import { ReplicaHeartbeat } from './observability/replicas.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createLifecycleMetrics } from './observability/lifecycle-metrics.ts';
import { createTelemetry } from './observability/telemetry.ts';
import { createBuiltins } from './policy/builtins/index.ts';
import { buildCapabilities } from './policy/capabilities.ts';
import { DataApi } from './policy/data-api.ts';
import { PolicyLibrary } from './policy/policy-library.ts';
import { ShadowRunner } from './policy/shadow.ts';
import { opaBinary } from './policy/toolchain/opa-cli.ts';
import { PolicyStore, type ActivePolicy } from './policy/policy-store.ts';
import { createBundleSource, loadVerificationConfig } from './policy/bundle/bundle-source.ts';
import { Authenticator } from './security/authenticator.ts';
import { loadSecuritySettings } from './security/security-settings.ts';

/** A built regent: the app and the parts operators and tests reach into. */
export interface Regent {
  readonly app: Express;
  readonly config: Config;
  readonly policies: PolicyStore;
  readonly decisions: DecisionService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The policy directory and its Policy API overlay; undefined when serving a bundle file. */
  readonly library: PolicyLibrary | undefined;
  /** Shadow mode: a candidate revision evaluated beside the active one. */
  readonly shadow: ShadowRunner;
  /** Set on SIGTERM by src/main.ts: readiness turns 503 and connections are asked to close. */
  readonly drain: DrainState;
  /** Session and activity stores (available after {@link Regent.start}). */
  flow(): FlowStores;
  /** The audit store, or null when the trail is disabled or not open yet. */
  audit(): AuditStore | null;
  /** Loads the configured bundle and opens the stores. Never throws for a bad bundle: regent stays not-ready. */
  start(): Promise<void>;
  /**
   * Re-reads REGENT_TOKENS_FILE and REGENT_TLS_CLIENTS_FILE and swaps them in (src/main.ts calls
   * it on SIGHUP). A file with problems, or one that would turn authentication off, changes
   * nothing; the outcome is logged (counts, never tokens) and counted. Returns whether it applied.
   */
  reloadCredentials(): boolean;
  /** Closes stores and timers. */
  close(): Promise<void>;
}

/** Options for {@link createRegent}. */
export interface RegentOptions {
  logger: Logger;
  /** Skip Node process metrics (tests building many apps in one process). */
  defaultMetrics?: boolean;
}

/** Builds regent from configuration; call `start()` before serving. */
export function createRegent(config: Config, options: RegentOptions): Regent {
  const { logger } = options;
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const evaluator = {
    maxMemoryPages: config.wasmMaxMemoryPages,
    recycleAboveBytes: config.wasmRecycleBytes,
    timeoutMs: config.evaluationTimeoutMs,
    workers: config.evalWorkers < 0 ? availableParallelism() : config.evalWorkers,
    maxQueue: config.evalMaxQueue,
    strictBuiltinErrors: config.strictBuiltinErrors,
  };
  const policies = new PolicyStore({
    maxMemoryPages: config.wasmMaxMemoryPages,
    createBuiltins: () => createBuiltins(),
    evaluator,
    metrics,
    logger,
  });

  // Policy lifecycle: compiles share one capabilities document (computed once, again after a failure).
  const lifecycle = createLifecycleMetrics(metrics.registry);
  let capabilities: Promise<object> | undefined;
  const capabilitiesOnce = (): Promise<object> =>
    (capabilities ??= buildCapabilities(opaBinary()).catch((err: unknown) => {
      capabilities = undefined;
      throw err;
    }));
  const library =
    config.policyDir === ''
      ? undefined
      : new PolicyLibrary({
          policyDir: config.policyDir,
          overlayDir: config.policyOverlayDir,
          policies,
          capabilities: capabilitiesOnce,
          lifecycle,
          logger,
          watch: config.watchPolicies,
        });
  // The serving bundle's source when no policy directory is configured: a file, or a bundle
  // server; both verified against REGENT_BUNDLE_VERIFICATION's keys when that is set.
  // Read once (throws when the settings are invalid): the serving bundle and uploaded shadow
  // candidates are both policy code, verified against the same keys.
  const verification =
    config.bundleVerificationFile === '' ? undefined : loadVerificationConfig(config.bundleVerificationFile);
  const onVerificationFailure = (reason: string) => metrics.bundleVerificationFailures.labels(reason).inc();
  const bundleSource = createBundleSource(config, { policies, logger, verification, onVerificationFailure });
  const shadow = new ShadowRunner({
    evaluator,
    ...(verification === undefined ? {} : { verification }),
    onVerificationFailure,
    queueSize: config.shadowQueueSize,
    capabilities: capabilitiesOnce,
    lifecycle,
    logger,
  });
  const dataApi = new DataApi({ policies, metrics, lifecycle, logger, decisionLog: config.decisionLog });

  // The stores open in start() (their rank table comes from the first bundle); until then these
  // delegates throw, which the decision service turns into session.store_unavailable denials.
  let flow: FlowStores | undefined;
  let sessions: SessionPort | undefined;
  let activity: ActivityPort | undefined;
  const notStarted = (): never => {
    throw new Error('session stores are not started');
  };
  const flowPorts: { sessions: SessionPort; activity: ActivityPort; taint: ResourceTaintPort } = {
    sessions: {
      load: async (id) => (sessions ?? notStarted()).load(id),
      commit: async (id, version, update) => (sessions ?? notStarted()).commit(id, version, update),
    },
    activity: {
      reserve: async (keys, intent) => (activity ?? notStarted()).reserve(keys, intent),
      settle: async (reservation, outcome) => (activity ?? notStarted()).settle(reservation, outcome),
    },
    taint: {
      get: async (system, id) => (flow ?? notStarted()).taint.get(system, id),
      add: async (system, id, taint) => (flow ?? notStarted()).taint.add(system, id, taint),
    },
  };

  const auditCommits = createAuditCommitMetrics(metrics.registry);
  let auditStore: AuditStore | null = null;
  let auditOpening: Promise<void> | undefined;
  const auditEnabled = config.auditPath !== '' || config.auditDatabaseUrl !== '';
  async function openAudit(): Promise<void> {
    try {
      auditStore = await openAuditStore(config, {
        onError: (err) => logger.error('audit trail error', { error: describeThrown(err) }),
        onCommit: auditCommits.observe,
        // Each signed checkpoint also goes to the log, which is shipped off the host: one of these
        // lines is an anchor for `audit-verify --anchor`, so a trail cut back to before a
        // checkpoint, or rewritten and re-signed with a stolen key, is caught (docs/decisions/004).
        onCheckpoint: (record) =>
          logger.info('audit checkpoint', {
            checkpoint: record.checkpoint,
            key_id: record.key_id,
            signature: record.signature,
          }),
      });
    } catch (err) {
      logger.error('audit trail cannot be opened; decisions are denied until it can', { error: describeThrown(err) });
    }
  }
  /** The open trail, opened on first use (and retried after a failed open); AuditUnavailableError otherwise. */
  async function auditTrail(): Promise<AuditStore> {
    if (!auditEnabled)
      throw new AuditUnavailableError(
        'the audit trail is disabled (REGENT_AUDIT_PATH and REGENT_AUDIT_DATABASE_URL are empty)',
      );
    if (auditStore === null) {
      auditOpening ??= openAudit().finally(() => (auditOpening = undefined));
      await auditOpening;
    }
    if (auditStore === null) throw new AuditUnavailableError('audit trail is not open');
    return auditStore;
  }
  const audit: AuditPort | undefined = auditEnabled
    ? {
        async appendDecision(record) {
          await auditPort(await auditTrail()).appendDecision(record);
        },
      }
    : undefined;

  // Admin records: with the trail disabled they go to the log only (src/http/admin-audit.ts).
  const adminTrail: AdminTrail = {
    async append(entry) {
      if (auditEnabled) await (await auditTrail()).append(entry);
    },
    async ready() {
      if (auditEnabled) await auditTrail();
    },
    revision: () => policies.current()?.revision ?? null,
  };
  // Every activation is an admin record, whoever caused it (start-up, bundle poller, policy API),
  // so the trail says which revision decided what. Records in flight are awaited by close().
  const pendingAdmin = new Set<Promise<void>>();
  let previousRevision: string | null = null;
  policies.onActivate((policy) => {
    const entry = activationEntry(policy, previousRevision);
    previousRevision = policy.revision;
    const done = adminTrail
      .append(entry)
      .catch((err: unknown) => {
        logger.error('bundle activation could not be recorded in the audit trail', {
          revision: policy.revision,
          error: describeThrown(err),
        });
      })
      .finally(() => pendingAdmin.delete(done));
    pendingAdmin.add(done);
  });

  // Approval requests of escalated actions (src/approvals): each step is an admin record.
  const approvals = createApprovals(config, { registry: metrics.registry, trail: adminTrail, logger });

  // The SCIM principal directory (src/directory), opened in start(); until then a decision that
  // names a person is denied (directory.unavailable) rather than judged by the file directory alone.
  let directory: Directory | null = null;
  const directoryPort = directoryEnabled(config)
    ? {
        current: async (request: Parameters<Directory['current']>[0]) => {
          if (directory === null) throw new NotReadyError('the principal directory is not open');
          return directory.current(request);
        },
      }
    : undefined;

  // Tracing and OPA-format decision logs (src/observability/telemetry.ts): both off by default.
  const telemetry = createTelemetry(config, { registry: metrics.registry, logger });
  const decisions = new DecisionService({
    policies,
    sessions: flowPorts.sessions,
    activity: flowPorts.activity,
    taint: flowPorts.taint,
    ...(audit === undefined ? {} : { audit }),
    redaction: createRedactionPort({ maxPaths: config.maxRedactionPaths }),
    metrics,
    logger,
    logPayloads: config.logPayloads,
    decisionLog: telemetry.regentDecisionLog,
    approvals: approvals.port,
    shadow,
    logInputs: config.decisionLogInputs,
    ...(telemetry.tracing === undefined ? {} : { tracing: telemetry.tracing }),
    ...(telemetry.decisionEvents === undefined ? {} : { decisionEvents: telemetry.decisionEvents }),
    ...(directoryPort === undefined ? {} : { directory: directoryPort }),
  });

  // Principal tokens (src/identity): null when REGENT_PRINCIPAL_ISSUER and a key source are unset.
  const principals = createPrincipalVerifier(config, {
    onFileReloadError: (err) =>
      logger.error('principal JWKS file not reloaded; the previous keys stay in force', { error: describeThrown(err) }),
  });
  const auth = new Authenticator(config.security);
  const drain = new DrainState();
  let heartbeat: ReplicaHeartbeat | undefined;
  const app = createApp({
    traceRequests: telemetry.requests,
    auditStreamMaxSeconds: config.auditStreamMaxSeconds,
    approvals,
    principals,
    directory: directoryEnabled(config) ? lazyDirectory(() => directory) : null,
    drain,
    policies,
    decisions,
    metrics,
    logger,
    limits: {
      maxBodyBytes: config.maxBodyBytes,
      maxBatch: config.maxBatch,
      maxBatchBodyBytes: config.maxBatchBodyBytes,
    },
    auth,
    admin: {
      sessions: () => {
        if (flow === undefined) throw new NotReadyError('session stores are not started');
        return flow.sessions;
      },
      auditReader: auditTrail,
      trail: adminTrail,
    },
    dataApi,
    lifecycle: {
      policies,
      library,
      shadow,
      shadowPolicyDir: config.shadowPolicyDir,
      maxPolicyBytes: config.maxPolicyBytes,
      remote: bundleSource,
      replicas: { state: () => heartbeat?.state() ?? null },
    },
  });

  return {
    app,
    config,
    policies,
    decisions,
    metrics,
    logger,
    library,
    shadow,
    drain,
    flow: () => {
      if (flow === undefined) throw new Error('regent is not started');
      return flow;
    },
    audit: () => auditStore,
    async start() {
      // The trail opens first so the first activation below is recorded.
      if (auditEnabled) await auditTrail().catch(() => undefined);
      // A policy directory, when configured, is compiled here; otherwise the bundle file is loaded.
      // Failures are logged and counted; regent answers 503 until a revision loads.
      if (library !== undefined) {
        await library.start().catch((err: unknown) => {
          logger.error('the policy directory cannot be served', { error: describeThrown(err) });
          policies.recordFailure(config.policyDir, err);
        });
      } else {
        await bundleSource.start();
      }
      directory = await openDirectory(config).catch((err: unknown) => {
        logger.error('the principal directory cannot be opened; decisions naming a person are denied', {
          error: describeThrown(err),
        });
        return null;
      });
      if (config.shadowPolicyDir !== '') await shadow.loadDirectory(config.shadowPolicyDir).catch(() => undefined);
      const active = policies.current();
      flow = await createFlowStores({
        ranks: active === undefined ? DEFAULT_RANKS : classificationRanks(active.bundle.data),
        sessionTtlSeconds: config.sessionTtlSeconds,
        resourceTaintTtlSeconds: config.resourceTaintTtlSeconds,
        maxSessions: config.maxSessions,
        redisUrl: config.redisUrl,
        redisKeyPrefix: config.redisKeyPrefix,
        activityWindowSeconds: config.activityWindowSeconds,
        logger,
      });
      sessions = sessionPort(flow.sessions);
      activity = activityPort(flow.activity);
      // Replicas' health (status document, console): a heartbeat in the Redis replicas share.
      heartbeat = new ReplicaHeartbeat({
        connection: flow.connection,
        keyPrefix: config.redisKeyPrefix,
        snapshot: () => ({
          revision: policies.current()?.revision ?? null,
          ready: policies.current() !== undefined && !drain.draining,
        }),
      });
      await heartbeat.start();
      await approvals.start();
    },
    reloadCredentials() {
      const { settings, problems } = loadSecuritySettings(config, (p) => readFileSync(p, 'utf8'));
      try {
        if (problems.length > 0) throw new Error(problems.join('; '));
        auth.reload(settings);
      } catch (err) {
        metrics.credentialReloads.labels('failure').inc();
        logger.error('credentials not reloaded; the previous ones stay in force', { error: describeThrown(err) });
        return false;
      }
      metrics.credentialReloads.labels('success').inc();
      logger.info('credentials reloaded', { tokens: settings.tokens.length, clients: settings.clients.length });
      return true;
    },
    async close() {
      // Decisions are over by now: upload the events and spans they left.
      await telemetry.close();
      await bundleSource.stop();
      await library?.close();
      await shadow.close();
      await policies.close();
      await heartbeat?.close();
      await flow?.close();
      await directory?.close();
      await approvals.close();
      await Promise.all([...pendingAdmin]);
      await auditStore?.close();
    },
  };
}

/**
 * The directory the SCIM routes serve, before start() has opened it: each call goes to the open
 * one, and fails (503) until it is.
 */
function lazyDirectory(get: () => Directory | null): Directory {
  return new Proxy({} as Directory, {
    get(_target, key) {
      const open = get();
      if (open === null) throw new NotReadyError('the principal directory is not open');
      const value = Reflect.get(open, key, open) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(open) : value;
    },
  });
}

/** The admin record of a policy activation; the source is named without URL credentials or query. */
function activationEntry(policy: ActivePolicy, previous: string | null): AdminEntry {
  const details: Record<string, string> = { source: describeSource(policy.source) };
  if (previous !== null) details['previous_revision'] = previous;
  return {
    type: 'admin',
    time: policy.activatedAt.toISOString(),
    action: 'bundle.activate',
    actor: { id: 'regent', auth: null },
    target: { kind: 'bundle', id: policy.revision },
    outcome: 'success',
    policy_revision: policy.revision,
    details,
  };
}

function describeSource(source: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source.slice(0, 256);
  try {
    const url = new URL(source);
    return `${url.protocol}//${url.host}${url.pathname}`.slice(0, 256);
  } catch {
    return 'unparseable url';
  }
}
