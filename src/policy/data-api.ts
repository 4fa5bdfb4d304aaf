/**
 * OPA's Data API on regent's engine. A request path is resolved by exact lookup in the leased
 * revision's entrypoint table and is never turned into query text (CVE-2025-46569: OPA built
 * query text from the URL path, so a crafted path could ask a different question). Only
 * compiled entrypoints are queryable; anything else is a 4xx, never a different decision.
 */
import { randomUUID } from 'node:crypto';
import { PolicyEvaluationError, describeThrown } from '../errors/policy-errors.ts';
import { InvalidParameterError, NotFoundError, NotReadyError, RegentError } from '../errors/regent-error.ts';
import type { LifecycleMetrics } from '../observability/lifecycle-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PolicyStore } from './policy-store.ts';
import type { EvaluateOptions } from './wasm-engine.ts';

/** The entrypoint `POST /` evaluates (OPA's default decision, `data.system.main`). */
export const DEFAULT_DECISION_ENTRYPOINT = 'system/main';

/** The name regent gives its one active bundle in provenance and status. */
export const ACTIVE_BUNDLE_NAME = 'regent';

/** Longest data path accepted, in characters and in segments. */
const MAX_PATH_CHARS = 512;
const MAX_PATH_SEGMENTS = 32;
/** A path segment: the characters a Rego package or rule name uses; nothing encoded, no dots. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Turns the raw (still percent-encoded) path after `/v1/data` into an entrypoint name:
 * `/regent/decision` -> `regent/decision`. Refuses, as a 400, anything that is not plain
 * slash-separated segments: percent-encoding (`%22`, `%2F`, `%2E`), empty segments (`//`, a
 * trailing `/`), `.` and `..`. The empty path (the whole data document) is a 404: regent can
 * only answer compiled entrypoints.
 */
export function entrypointFromPath(rawPath: string): string {
  if (rawPath === '' || rawPath === '/')
    throw new NotFoundError('the root data document is not queryable: regent answers compiled entrypoints only');
  if (rawPath.length > MAX_PATH_CHARS)
    throw new InvalidParameterError(`data path is longer than ${MAX_PATH_CHARS} characters`);
  if (!rawPath.startsWith('/')) throw new InvalidParameterError('invalid data path');
  if (rawPath.includes('%'))
    throw new InvalidParameterError('invalid data path: percent-encoded characters are not accepted');
  const segments = rawPath.slice(1).split('/');
  if (segments.length > MAX_PATH_SEGMENTS)
    throw new InvalidParameterError(`data path has more than ${MAX_PATH_SEGMENTS} segments`);
  for (const s of segments) {
    if (s === '') throw new InvalidParameterError('invalid data path: empty segment');
    if (!SEGMENT.test(s))
      throw new InvalidParameterError('invalid data path: segments may hold only letters, digits, "_" and "-"');
  }
  return segments.join('/');
}

/** One Data API evaluation's outcome. */
export interface DataResult {
  decisionId: string;
  /** The revision that answered (the one leased for the whole evaluation). */
  revision: string;
  /** Absent when the document is undefined for this input. */
  result?: unknown;
  defined: boolean;
  /** Time spent evaluating, in nanoseconds (OPA's `timer_rego_query_eval_ns`). */
  evalNs: number;
}

/** An evaluation that failed: OPA's 500 `evaluation_error`, never a fabricated result. */
export class DataEvaluationError extends RegentError {
  constructor(reasonCode: string, cause: unknown) {
    super('evaluation_error', 500, 'policy evaluation failed', {
      cause,
      errors: [{ code: reasonCode, message: 'policy evaluation failed' }],
    });
  }
}

/** What the Data API needs. */
export interface DataApiDeps {
  policies: PolicyStore;
  metrics: Metrics;
  lifecycle: LifecycleMetrics;
  logger: Logger;
  /** Write one record per evaluation (never the input). */
  decisionLog: boolean;
}

/** Evaluates compiled entrypoints for OPA Data API clients. */
export class DataApi {
  private readonly deps: DataApiDeps;

  constructor(deps: DataApiDeps) {
    this.deps = deps;
  }

  /**
   * Evaluates `entrypoint` on `inputJson` (undefined: no input) with one leased revision.
   * Throws NotFoundError when the revision does not compile `entrypoint` (`notFoundCode` lets
   * `POST /` answer OPA's `undefined_document`), DataEvaluationError when evaluation fails, and
   * NotReadyError before the first revision is active. `options.strictBuiltinErrors` is OPA's
   * `strict-builtin-errors` query parameter: a failing builtin fails the query (builtin_error)
   * instead of leaving only its expression undefined; absent, the configured default applies.
   */
  async evaluate(
    entrypoint: string,
    inputJson: string | undefined,
    log: Logger,
    notFound?: () => RegentError,
    options?: EvaluateOptions,
  ): Promise<DataResult> {
    const lease = this.deps.policies.acquire();
    if (lease === undefined) throw new NotReadyError('no policy revision is loaded yet');
    const { policy } = lease;
    const decisionId = randomUUID();
    try {
      if (!policy.engine.entrypoints.has(entrypoint)) {
        this.deps.lifecycle.dataApiRequests.labels('unknown_path').inc();
        throw (
          notFound?.() ?? new NotFoundError(`${entrypoint} is not a compiled entrypoint of revision ${policy.revision}`)
        );
      }
      const started = process.hrtime.bigint();
      const end = this.deps.metrics.evaluationDuration.startTimer();
      let value: unknown;
      let defined = true;
      try {
        // An empty input text is how opa-wasm is told there is no input at all.
        value = await policy.evaluator.evaluate(entrypoint, inputJson ?? '', options);
      } catch (err) {
        if (err instanceof PolicyEvaluationError && err.reasonCode === 'policy.undefined_result') {
          defined = false;
        } else {
          const code = err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error';
          this.deps.metrics.evaluationErrors.labels(code).inc();
          this.deps.lifecycle.dataApiRequests.labels('error').inc();
          log.error('data api evaluation failed', {
            decision_id: decisionId,
            path: entrypoint,
            revision: policy.revision,
            code,
            error: describeThrown(err),
          });
          throw new DataEvaluationError(code, err);
        }
      } finally {
        end();
      }
      const evalNs = Number(process.hrtime.bigint() - started);
      this.deps.lifecycle.dataApiRequests.labels(defined ? 'defined' : 'undefined').inc();
      if (this.deps.decisionLog) {
        log.info('data api decision', {
          decision_id: decisionId,
          path: entrypoint,
          revision: policy.revision,
          defined,
          latency_ms: Math.round(evalNs / 1000) / 1000,
        });
      }
      return defined
        ? { decisionId, revision: policy.revision, result: value, defined, evalNs }
        : { decisionId, revision: policy.revision, defined, evalNs };
    } finally {
      lease.release();
    }
  }
}
