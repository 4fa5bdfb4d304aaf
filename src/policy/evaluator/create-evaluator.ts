/** Chooses and starts the evaluator a revision runs on, from the evaluator options. */
import type { Bundle } from '../bundle/read-bundle.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator.ts';
import { InlineEvaluator } from './inline-evaluator.ts';
import { WorkerPoolEvaluator } from './worker-pool.ts';
import { compileWasm } from '../wasm-engine.ts';

/** Starts an in-thread evaluator when `options.workers` is 0, else a worker pool of that size. */
export async function createEvaluator(bundle: Bundle, options: EvaluatorOptions): Promise<Evaluator> {
  if (options.workers === 0) return InlineEvaluator.start(bundle, options);
  const init = {
    // Compiled here once: every worker, and each one replacing a worker cut off, shares the code.
    module: await compileWasm(bundle.wasm),
    data: bundle.data,
    revision: bundle.manifest.revision,
    maxMemoryPages: options.maxMemoryPages,
    strictBuiltinErrors: options.strictBuiltinErrors ?? false,
  };
  return WorkerPoolEvaluator.start(init, options);
}
