/** Chooses and starts the evaluator a revision runs on, from the evaluator options. */
import type { Bundle } from '../bundle/read-bundle.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator.ts';
import { InlineEvaluator } from './inline-evaluator.ts';
import { WorkerPoolEvaluator } from './worker-pool.ts';

/** Starts an in-thread evaluator when `options.workers` is 0, else a worker pool of that size. */
export function createEvaluator(bundle: Bundle, options: EvaluatorOptions): Promise<Evaluator> {
  if (options.workers === 0) return InlineEvaluator.start(bundle, options);
  const init = {
    wasm: bundle.wasm,
    data: bundle.data,
    revision: bundle.manifest.revision,
    maxMemoryPages: options.maxMemoryPages,
    strictBuiltinErrors: options.strictBuiltinErrors ?? false,
  };
  return WorkerPoolEvaluator.start(init, options);
}
