/**
 * Worker-thread entry: loads one revision's wasm and data, then answers evaluation messages.
 * Runs apart from the HTTP thread so a pathological evaluation can be cut off by terminating
 * this thread, while /health/live and other requests keep flowing.
 *
 * Evaluations arrive in chunks (one message carries the jobs the pool had queued for this worker)
 * and answers go back in groups: a thread hand-off (a message, and on a busy core a context switch
 * to read it) costs more than a typical evaluation, so sharing it is what makes batches cheap.
 * Held answers go as soon as an evaluation ends {@link HOLD_REPLIES_MS} or more after the oldest
 * of them, or {@link MAX_HELD_REPLIES} are held, and the chunk's last answers travel with its end
 * (an evaluation that runs long keeps them only until the pool evaluates them again elsewhere).
 * The worker claims each job of a chunk through a shared counter (see {@link ChunkClaims}), so
 * the pool can take back jobs the worker has not started and give them to another worker when one
 * evaluation runs long; before each job it
 * publishes when that job started, so the pool can tell a stuck evaluation from a busy thread, and
 * which jobs before it were answered (their answers may still be held here: the pool has them
 * evaluated again elsewhere rather than wait for this one).
 */
// First: the penalty lane's worker lowers its priority before it loads anything else.
import { threadPriority, type ThreadPriority } from './thread-priority.ts';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PolicyEvaluationError, describeThrown } from '../../errors/policy-errors.ts';
import { createBuiltins } from '../builtins/index.ts';
import { WasmEngine, jsonToInputBuffer } from '../wasm-engine.ts';
import type { WasmModule } from '../wasm-instance.ts';

/** What the pool sends to start a worker. */
export interface WorkerInit {
  /** The revision's wasm, compiled once by the pool: a structured clone shares the compiled code. */
  module: WasmModule;
  data: Record<string, unknown>;
  revision: string;
  maxMemoryPages: number;
  /** Default for builtin errors: abort (OPA's strict-builtin-errors) instead of undefined. */
  strictBuiltinErrors: boolean;
}

/** The per-worker parts of the start message: where replies go and where progress is published. */
export interface WorkerChannel {
  /** Replies go here, so the pool can also read them synchronously (receiveMessageOnPort). */
  replies: MessagePort;
  /** A {@link ChunkClaims} view over this SharedArrayBuffer. */
  claims: SharedArrayBuffer;
}

/** The worker's first message: it has loaded the revision. */
export interface WorkerReady {
  ready: true;
  entrypoints: string[];
  /** The worker's thread and its nice value (Linux). */
  thread?: ThreadPriority;
}

/** One evaluation request. */
export interface EvalRequest {
  id: number;
  entrypoint: string;
  json: string;
  /** Overrides the worker's default for builtin errors, for this evaluation. */
  strict?: boolean;
}

/** A chunk of evaluations: answered by {@link ChunkReplies} messages, the last one marked done. */
export interface EvalChunk {
  chunk: number;
  jobs: EvalRequest[];
}

/**
 * One evaluation answer: the result set as the JSON text the wasm wrote (a string crosses threads
 * several times cheaper than the parsed object; the pool parses it), or the error's reason code.
 */
export type EvalReply =
  | { id: number; ok: true; text: string }
  | {
      id: number;
      ok: false;
      reasonCode: PolicyEvaluationError['reasonCode'];
      message: string;
      /** The evaluation aborted inside the wasm (its instance was replaced), or no instance could be built. */
      aborted: boolean;
    };

/** Answers of one chunk; the chunk's last message also says the worker is idle again. */
export interface ChunkReplies {
  chunk: number;
  replies: EvalReply[];
  /** On the last message of a chunk: the instance's wasm memory size, for recycling. */
  done?: { memoryBytes: number };
}

/** Held answers go once an evaluation ends this long (ms) after the oldest of them. */
export const HOLD_REPLIES_MS = 1;

/** Most answers held back before a message goes. */
export const MAX_HELD_REPLIES = 16;

/** Bytes of the shared buffer behind {@link ChunkClaims}. */
export const CLAIMS_BYTES = 16;

/**
 * The shared state of the chunk a worker holds: the next unclaimed index (Int32 [0]), the index
 * being evaluated (Int32 [1]) and when it started (Float64 at byte 8, in ms since
 * performance.timeOrigin's epoch, comparable across threads). The worker claims jobs; the pool
 * resets the counter before handing over a chunk and may take back the unclaimed rest.
 */
export class ChunkClaims {
  readonly #ints: Int32Array;
  readonly #times: Float64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#ints = new Int32Array(buffer, 0, 2);
    this.#times = new Float64Array(buffer, 8, 1);
  }

  /** Pool side, worker idle: a new chunk starts unclaimed. */
  reset(): void {
    Atomics.store(this.#ints, 0, 0);
    Atomics.store(this.#ints, 1, -1);
  }

  /** Worker side: claims the next job of a chunk of `length`; -1 when none is left. */
  claim(length: number): number {
    // Stamp first, then publish the index: a reader never sees a job older than its stamp.
    this.#times[0] = performance.timeOrigin + performance.now();
    const index = Atomics.add(this.#ints, 0, 1);
    if (index >= length) return -1;
    Atomics.store(this.#ints, 1, index);
    return index;
  }

  /** Pool side: takes back every unclaimed job; returns the first index taken (length if none). */
  takeRest(length: number): number {
    return Math.min(length, Atomics.exchange(this.#ints, 0, length));
  }

  /** Pool side: the job being evaluated (-1 before the first claim) and when it started. */
  current(): { index: number; startedAt: number } {
    return { index: Atomics.load(this.#ints, 1), startedAt: this.#times[0] ?? 0 };
  }
}

if (parentPort !== null) {
  const { init, channel } = workerData as { init: WorkerInit; channel: WorkerChannel };
  const engine = WasmEngine.fromModule(init.revision, init.module, init.data, {
    maxMemoryPages: init.maxMemoryPages,
    builtins: createBuiltins(),
    strictBuiltinErrors: init.strictBuiltinErrors,
  });
  const claims = new ChunkClaims(channel.claims);
  parentPort.on('message', (message: EvalChunk) => {
    const { chunk, jobs } = message;
    let held: EvalReply[] = [];
    let heldSince = 0;
    for (let index = claims.claim(jobs.length); index >= 0; index = claims.claim(jobs.length)) {
      const req = jobs[index] as EvalRequest;
      let reply: EvalReply;
      const abortsBefore = engine.health().aborts;
      try {
        const options = req.strict === undefined ? undefined : { strictBuiltinErrors: req.strict };
        reply = {
          id: req.id,
          ok: true,
          text: engine.evaluateText(req.entrypoint, jsonToInputBuffer(req.json), options),
        };
      } catch (err) {
        const reasonCode = err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error';
        const aborted = engine.health().aborts > abortsBefore || reasonCode === 'policy.not_loaded';
        reply = { id: req.id, ok: false, reasonCode, message: describeThrown(err), aborted };
      }
      const now = performance.now();
      if (held.length === 0) heldSince = now;
      held.push(reply);
      if (held.length >= MAX_HELD_REPLIES || now - heldSince >= HOLD_REPLIES_MS) {
        channel.replies.postMessage({ chunk, replies: held } satisfies ChunkReplies);
        held = [];
      }
    }
    channel.replies.postMessage({
      chunk,
      replies: held,
      done: { memoryBytes: engine.memoryBytes },
    } satisfies ChunkReplies);
  });
  parentPort.postMessage({
    ready: true,
    entrypoints: [...engine.entrypoints],
    ...(threadPriority === undefined ? {} : { thread: threadPriority }),
  } satisfies WorkerReady);
}
