/**
 * Evaluates in the calling thread: no hand-off cost, but a pathological evaluation blocks the
 * event loop and cannot be cut off. Chosen with `REGENT_EVAL_WORKERS=0`; documented as such.
 */
import type { Bundle } from '../bundle/read-bundle.ts';
import { createBuiltins } from '../builtins/index.ts';
import { WasmEngine, jsonToInputBuffer } from '../wasm-engine.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator.ts';

/** An in-thread evaluator that re-instantiates its engine when memory grows past the threshold. */
export class InlineEvaluator implements Evaluator {
  private engine: WasmEngine;
  private readonly bundle: Bundle;
  private readonly options: EvaluatorOptions;
  private recycledCount = 0;
  private recycling: Promise<void> | undefined;

  private constructor(engine: WasmEngine, bundle: Bundle, options: EvaluatorOptions) {
    this.engine = engine;
    this.bundle = bundle;
    this.options = options;
  }

  /** Loads the bundle into an engine in this thread. */
  static async start(bundle: Bundle, options: EvaluatorOptions): Promise<InlineEvaluator> {
    return new InlineEvaluator(await InlineEvaluator.load(bundle, options), bundle, options);
  }

  private static load(bundle: Bundle, options: EvaluatorOptions): Promise<WasmEngine> {
    return WasmEngine.load(bundle, { maxMemoryPages: options.maxMemoryPages, builtins: createBuiltins() });
  }

  // async so that a synchronous throw from the engine becomes a rejection, as the interface promises.
  // eslint-disable-next-line @typescript-eslint/require-await
  async evaluate(entrypoint: string, inputJson: string): Promise<unknown> {
    try {
      return this.engine.evaluate(entrypoint, jsonToInputBuffer(inputJson));
    } finally {
      if (this.engine.memoryBytes > this.options.recycleAboveBytes && this.recycling === undefined) {
        this.recycling = InlineEvaluator.load(this.bundle, this.options)
          .then((fresh) => {
            this.engine = fresh;
            this.recycledCount++;
          })
          .finally(() => (this.recycling = undefined));
      }
    }
  }

  memoryBytes(): number {
    return this.engine.memoryBytes;
  }

  recycled(): number {
    return this.recycledCount;
  }

  whenReady(): Promise<void> {
    return this.recycling ?? Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
