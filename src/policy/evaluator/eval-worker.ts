/**
 * Worker-thread entry: loads one revision's wasm and data, then answers evaluation messages.
 * Runs apart from the HTTP thread so a pathological evaluation can be cut off by terminating
 * this thread, while /health/live and other requests keep flowing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PolicyEvaluationError, describeThrown } from '../../errors/policy-errors.ts';
import { createBuiltins } from '../builtins/index.ts';
import { WasmEngine, jsonToInputBuffer } from '../wasm-engine.ts';

/** What the pool sends to start a worker. */
export interface WorkerInit {
  wasm: Uint8Array;
  data: Record<string, unknown>;
  revision: string;
  maxMemoryPages: number;
}

/** One evaluation request. */
export interface EvalRequest {
  id: number;
  entrypoint: string;
  json: string;
}

/** One evaluation answer; errors carry the reason code across the thread boundary. */
export type EvalReply =
  | { id: number; ok: true; value: unknown; memoryBytes: number }
  | { id: number; ok: false; reasonCode: PolicyEvaluationError['reasonCode']; message: string; memoryBytes: number };

if (parentPort !== null) {
  const port = parentPort;
  const init = workerData as WorkerInit;
  const engine = await WasmEngine.load(
    {
      manifest: { revision: init.revision, roots: [''], wasm: [] },
      wasm: init.wasm,
      data: init.data,
      files: new Map(),
    },
    { maxMemoryPages: init.maxMemoryPages, builtins: createBuiltins() },
  );
  port.on('message', (req: EvalRequest) => {
    let reply: EvalReply;
    try {
      const value = engine.evaluate(req.entrypoint, jsonToInputBuffer(req.json));
      reply = { id: req.id, ok: true, value, memoryBytes: engine.memoryBytes };
    } catch (err) {
      const reasonCode = err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error';
      reply = { id: req.id, ok: false, reasonCode, message: describeThrown(err), memoryBytes: engine.memoryBytes };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true, entrypoints: [...engine.entrypoints] });
}
