/**
 * How a revision's policy is evaluated: in worker threads with a deadline (the default), or in
 * the calling thread (fastest, but a pathological evaluation cannot be stopped). Both give the
 * same answers and the same typed errors; the decision service only sees this interface.
 */

/** Evaluates one compiled revision. */
export interface Evaluator {
  /** Evaluates `entrypoint` on a JSON input; rejects with PolicyEvaluationError (never a plain value). */
  evaluate(entrypoint: string, inputJson: string): Promise<unknown>;
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
}
