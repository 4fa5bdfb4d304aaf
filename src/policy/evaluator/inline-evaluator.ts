/**
 * Evaluates in the calling thread: no hand-off cost, but a pathological evaluation blocks the
 * event loop and cannot be cut off. Chosen with `REGENT_EVAL_WORKERS=0`; documented as such.
 */
import type { Bundle } from '../bundle/read-bundle.ts';
import { createBuiltins } from '../builtins/index.ts';
import { WasmEngine, jsonToInputBuffer } from '../wasm-engine.ts';
import {
  DEFAULT_UNREADY_AFTER_ABORTS,
  healthOf,
  type EvaluateOptions,
  type Evaluator,
  type EvaluatorHealth,
  type EvaluatorOptions,
} from './evaluator.ts';

/**
 * An in-thread evaluator. Its engine discards an instance an evaluation aborted in and builds a
 * fresh one at once; an instance whose memory grew past the threshold is rebuilt the same way.
 */
export class InlineEvaluator implements Evaluator {
  private readonly engine: WasmEngine;
  private readonly options: EvaluatorOptions;
  private recycledCount = 0;

  private constructor(engine: WasmEngine, options: EvaluatorOptions) {
    this.engine = engine;
    this.options = options;
  }

  /** Loads the bundle into an engine in this thread. */
  static async start(bundle: Bundle, options: EvaluatorOptions): Promise<InlineEvaluator> {
    const engine = await WasmEngine.load(bundle, {
      maxMemoryPages: options.maxMemoryPages,
      builtins: createBuiltins(),
      strictBuiltinErrors: options.strictBuiltinErrors ?? false,
    });
    return new InlineEvaluator(engine, options);
  }

  // async so that a synchronous throw from the engine becomes a rejection, as the interface promises.
  // eslint-disable-next-line @typescript-eslint/require-await
  async evaluate(entrypoint: string, inputJson: string, options?: EvaluateOptions): Promise<unknown> {
    try {
      return this.engine.evaluate(entrypoint, jsonToInputBuffer(inputJson), options);
    } finally {
      if (this.engine.memoryBytes > this.options.recycleAboveBytes) {
        this.engine.recycle();
        this.recycledCount++;
      }
    }
  }

  health(): EvaluatorHealth {
    const h = this.engine.health();
    if (h.instantiateError !== undefined) {
      return {
        ready: false,
        reason: `no wasm instance can be built: ${h.instantiateError}`,
        aborts: h.aborts,
        consecutiveAborts: h.consecutiveAborts,
      };
    }
    const threshold = this.options.unreadyAfterAborts ?? DEFAULT_UNREADY_AFTER_ABORTS;
    return healthOf(h.aborts, h.consecutiveAborts, threshold, h.lastAbort);
  }

  memoryBytes(): number {
    return this.engine.memoryBytes;
  }

  recycled(): number {
    return this.recycledCount;
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
