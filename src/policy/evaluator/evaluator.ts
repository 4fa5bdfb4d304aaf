/**
 * How a revision's policy is evaluated: in worker threads with a deadline (the default), or in
 * the calling thread (fastest, but a pathological evaluation cannot be stopped). Both give the
 * same answers and the same typed errors; the decision service only sees this interface.
 */

import type { EvaluateOptions } from '../wasm-engine.ts';

export type { EvaluateOptions } from '../wasm-engine.ts';

/**
 * Whether the evaluator can still answer: a readiness check reports not-ready with `reason`
 * when `ready` is false. Every evaluation that aborts inside the wasm discards its instance and
 * the next runs on a fresh one, so aborts alone never poison an evaluator; a long run of them
 * with no completed evaluation between (or no instance that can be built) means this replica is
 * not answering by its policy and should be taken out of rotation.
 */
export interface EvaluatorHealth {
  ready: boolean;
  /** Why not ready (no input values). */
  reason?: string;
  /** Evaluations that aborted inside the wasm since start. */
  aborts: number;
  /** Aborts since the last evaluation that completed (defined or undefined). */
  consecutiveAborts: number;
}

/** Consecutive aborts after which {@link Evaluator.health} reports not-ready, unless configured. */
export const DEFAULT_UNREADY_AFTER_ABORTS = 25;

/** The readiness verdict for a run of `consecutive` aborts; `last` says what the last one was. */
export function healthOf(
  aborts: number,
  consecutive: number,
  threshold: number,
  last: string | undefined,
): EvaluatorHealth {
  if (consecutive < threshold) return { ready: true, aborts, consecutiveAborts: consecutive };
  return {
    ready: false,
    reason: `the last ${consecutive} policy evaluations aborted (last: ${last ?? 'unknown'})`,
    aborts,
    consecutiveAborts: consecutive,
  };
}

/** Evaluates one compiled revision. */
export interface Evaluator {
  /**
   * Evaluates `entrypoint` on a JSON input; rejects with PolicyEvaluationError (never a plain value).
   * `key` (the agent id) is who the evaluation is for: the worker pool queues and bounds each key
   * apart, so one agent's looping inputs delay only that agent (see worker-pool.ts).
   */
  evaluate(entrypoint: string, inputJson: string, options?: EvaluateOptions, key?: string): Promise<unknown>;
  /** Whether this evaluator still answers by its policy (for /health/ready). */
  health(): EvaluatorHealth;
  /** Largest linear memory of any instance, in bytes (for the wasm memory gauge). */
  memoryBytes(): number;
  /** Instances recycled so far (memory past the threshold, or a deadline hit). */
  recycled(): number;
  /** Settles once every instance is loaded (a replaced worker's successor has started). */
  whenReady(): Promise<void>;
  /** Stops the workers once in-flight evaluations finish. */
  close(): Promise<void>;
}

/** Settings shared by both evaluators. */
export interface EvaluatorOptions {
  /** WebAssembly memory ceiling in 64 KiB pages. */
  maxMemoryPages: number;
  /** An instance whose memory grew past this many bytes is replaced after its evaluation. */
  recycleAboveBytes: number;
  /** Deadline for one evaluation, including time queued for a worker (worker mode only). */
  timeoutMs: number;
  /** Worker threads; 0 evaluates in the calling thread. */
  workers: number;
  /** Most evaluations waiting for a worker; more are denied at once rather than queued unboundedly. */
  maxQueue: number;
  /** Default for builtin errors: abort the evaluation (OPA's strict-builtin-errors) instead of undefined. */
  strictBuiltinErrors?: boolean;
  /** Consecutive aborts after which health() is not ready (default {@link DEFAULT_UNREADY_AFTER_ABORTS}). */
  unreadyAfterAborts?: number;
  /** Run limit (ms) of a suspect key's evaluations (worker mode; default a fifth of `timeoutMs`, at least 10). */
  suspectRunLimitMs?: number;
  /** A key leaves the penalty lane after this long (ms) without a cut-off evaluation (worker mode; default 10 s). */
  keyQuietMs?: number;
}
