/**
 * regent's Prometheus metrics: one prom-client Registry per app, Prometheus naming (`_total`,
 * `_seconds`), and labels only from closed sets (decision outcomes, reason-code classes, route
 * patterns) — never agent ids, session ids, tool names or paths.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Decision outcomes: the only values the `decision` label takes. */
export const DECISIONS = ['allow', 'deny', 'redact', 'escalate'] as const;
/** One of {@link DECISIONS}. */
export type DecisionOutcome = (typeof DECISIONS)[number];

/**
 * Reason-code families a deny can carry, for the `reason_class` label. Codes come from policy, so
 * the label takes the code's first segment only when it is in this closed list, else `other`.
 */
export const REASON_CLASSES = [
  'agent',
  'tool',
  'flow',
  'principal',
  'detect',
  'activity',
  'session',
  'policy',
  'audit',
  'input',
  'redaction',
  'escalate',
  'other',
] as const;

/** Maps a reason code to its closed-set class. */
export function reasonClass(code: string): (typeof REASON_CLASSES)[number] {
  const head = code.split('.', 1)[0] ?? '';
  return (REASON_CLASSES as readonly string[]).includes(head) ? (head as (typeof REASON_CLASSES)[number]) : 'other';
}

/** Latency buckets from 50 µs to 2.5 s: decisions are meant to take well under a millisecond. */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];

/** The app's metric handles. */
export interface Metrics {
  registry: Registry;
  decisions: Counter<'decision'>;
  denials: Counter<'reason_class'>;
  failClosed: Counter<'code'>;
  decisionDuration: Histogram<'decision'>;
  evaluationDuration: Histogram;
  evaluationErrors: Counter<'code'>;
  bundleLoads: Counter<'result'>;
  bundleVerificationFailures: Counter<'reason'>;
  revisionInfo: Gauge<'revision'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  detections: Counter<'type'>;
  redactedValues: Counter;
  sessionConflicts: Counter;
  authFailures: Counter<'result'>;
  credentialReloads: Counter<'result'>;
}

/** Why a request was refused at authentication (the `result` label of regent_auth_failures_total). */
export const AUTH_FAILURES = ['missing', 'invalid', 'forbidden'] as const;

/** Default Node metrics that break Prometheus naming (gauges with a `_total` suffix); not exposed. */
export const NONCOMPLIANT_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Creates the registry and every metric, pre-initialising closed label sets so series exist at 0. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these three gauges `_total`, which Prometheus reserves for counters
    // (`promtool check metrics` fails). Their per-type siblings (`nodejs_active_handles{type}`
    // and so on) stay, and sum() over them gives the same number.
    for (const name of NONCOMPLIANT_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const m: Metrics = {
    registry,
    decisions: new Counter({
      name: 'regent_decisions_total',
      help: 'Decisions answered, by outcome.',
      labelNames: ['decision'],
      registers,
    }),
    denials: new Counter({
      name: 'regent_denial_reasons_total',
      help: 'Reasons given by denials, by reason-code class (a deny may count under several classes).',
      labelNames: ['reason_class'],
      registers,
    }),
    failClosed: new Counter({
      name: 'regent_fail_closed_total',
      help: 'Denials caused by a failure rather than by policy (evaluation error, store or audit unavailable), by reason code.',
      labelNames: ['code'],
      registers,
    }),
    decisionDuration: new Histogram({
      name: 'regent_decision_duration_seconds',
      help: 'Time to answer one decision request, from parsed body to response.',
      labelNames: ['decision'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    evaluationDuration: new Histogram({
      name: 'regent_policy_evaluation_duration_seconds',
      help: 'Time spent in policy evaluation alone.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    evaluationErrors: new Counter({
      name: 'regent_policy_evaluation_errors_total',
      help: 'Policy evaluations that failed, by reason code.',
      labelNames: ['code'],
      registers,
    }),
    bundleLoads: new Counter({
      name: 'regent_bundle_loads_total',
      help: 'Bundle load attempts, by result.',
      labelNames: ['result'],
      registers,
    }),
    bundleVerificationFailures: new Counter({
      name: 'regent_bundle_verification_failures_total',
      help: 'Bundles rejected by signature verification, by the rule they broke (a closed set).',
      labelNames: ['reason'],
      registers,
    }),
    revisionInfo: new Gauge({
      name: 'regent_policy_revision_info',
      help: 'The active policy revision (value 1).',
      labelNames: ['revision'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'regent_http_request_duration_seconds',
      help: 'HTTP request durations, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    detections: new Counter({
      name: 'regent_detections_total',
      help: 'Secrets and personal data found in payloads, by detector type.',
      labelNames: ['type'],
      registers,
    }),
    redactedValues: new Counter({
      name: 'regent_redacted_values_total',
      help: 'Payload values redacted from decisions.',
      registers,
    }),
    sessionConflicts: new Counter({
      name: 'regent_session_conflicts_total',
      help: 'Decisions re-evaluated because the session changed under them.',
      registers,
    }),
    credentialReloads: new Counter({
      name: 'regent_credential_reloads_total',
      help: 'Reloads of the token and client-certificate files (SIGHUP), by result; on failure the previous credentials stay.',
      labelNames: ['result'],
      registers,
    }),
    authFailures: new Counter({
      name: 'regent_auth_failures_total',
      help: 'Requests refused by authentication: missing or invalid credential (401), or a credential without the scope (403).',
      labelNames: ['result'],
      registers,
    }),
  };
  for (const d of DECISIONS) {
    m.decisions.labels(d).inc(0);
    m.decisionDuration.labels(d);
  }
  for (const c of REASON_CLASSES) m.denials.labels(c).inc(0);
  m.bundleLoads.labels('success').inc(0);
  m.bundleLoads.labels('failure').inc(0);
  for (const r of AUTH_FAILURES) m.authFailures.labels(r).inc(0);
  m.credentialReloads.labels('success').inc(0);
  m.credentialReloads.labels('failure').inc(0);
  return m;
}

/** Points the revision info gauge at `revision` alone (one series at a time, so the set stays bounded). */
export function setActiveRevision(metrics: Metrics, revision: string): void {
  metrics.revisionInfo.reset();
  metrics.revisionInfo.labels(revision).set(1);
}
