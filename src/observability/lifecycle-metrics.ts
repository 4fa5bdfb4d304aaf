/**
 * Metrics of the policy lifecycle: Data API evaluations, policy compiles, and shadow mode. They
 * register on the app's one Registry but live apart from metrics.ts so the decision path's
 * metric handles stay small. Labels come only from closed sets (outcomes, results); never a
 * revision, a path or a policy id.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DECISIONS } from './metrics.ts';

/** Results of one Data API request: a value, no value, a failure, or a path that is not an entrypoint. */
export const DATA_API_RESULTS = ['defined', 'undefined', 'error', 'unknown_path'] as const;
/** One of {@link DATA_API_RESULTS}. */
export type DataApiResult = (typeof DATA_API_RESULTS)[number];

/** Why a policy compile ran: start-up, a Policy API change, the directory watcher, shadow mode. */
export const COMPILE_TRIGGERS = ['start', 'api', 'watch', 'shadow'] as const;
/** One of {@link COMPILE_TRIGGERS}. */
export type CompileTrigger = (typeof COMPILE_TRIGGERS)[number];

/** The lifecycle metric handles. */
export interface LifecycleMetrics {
  dataApiRequests: Counter<'result'>;
  compiles: Counter<'trigger' | 'result'>;
  compileDuration: Histogram<'trigger'>;
  shadowEvaluations: Counter;
  shadowDisagreements: Counter<'active' | 'candidate'>;
  shadowDropped: Counter;
  shadowQueueDepth: Gauge;
}

/** Creates the lifecycle metrics on `registry`, with every closed label set initialised at 0. */
export function createLifecycleMetrics(registry: Registry): LifecycleMetrics {
  const registers = [registry];
  const m: LifecycleMetrics = {
    dataApiRequests: new Counter({
      name: 'regent_data_api_requests_total',
      help: 'OPA Data API evaluations (/v1/data and POST /), by result.',
      labelNames: ['result'],
      registers,
    }),
    compiles: new Counter({
      name: 'regent_policy_compiles_total',
      help: 'Policy directory compiles with the OPA toolchain, by trigger and result.',
      labelNames: ['trigger', 'result'],
      registers,
    }),
    compileDuration: new Histogram({
      name: 'regent_policy_compile_duration_seconds',
      help: 'Time to check and build a policy directory into a wasm bundle.',
      labelNames: ['trigger'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    shadowEvaluations: new Counter({
      name: 'regent_shadow_evaluations_total',
      help: 'Live decisions re-evaluated on the shadow candidate revision.',
      registers,
    }),
    shadowDisagreements: new Counter({
      name: 'regent_shadow_disagreements_total',
      help: 'Shadow evaluations whose outcome or reason codes differ from the live decision, by live and candidate outcome.',
      labelNames: ['active', 'candidate'],
      registers,
    }),
    shadowDropped: new Counter({
      name: 'regent_shadow_dropped_total',
      help: 'Live decisions not shadowed because the shadow queue was full.',
      registers,
    }),
    shadowQueueDepth: new Gauge({
      name: 'regent_shadow_queue_depth',
      help: 'Decisions waiting for shadow evaluation.',
      registers,
    }),
  };
  for (const r of DATA_API_RESULTS) m.dataApiRequests.labels(r).inc(0);
  for (const t of COMPILE_TRIGGERS) {
    m.compiles.labels(t, 'success').inc(0);
    m.compiles.labels(t, 'failure').inc(0);
  }
  for (const a of DECISIONS) for (const c of DECISIONS) m.shadowDisagreements.labels(a, c).inc(0);
  return m;
}
