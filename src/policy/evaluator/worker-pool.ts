/**
 * Evaluates a revision in a pool of worker threads, with two bounds:
 *
 * - **Answer deadline.** Each evaluation is answered within `timeoutMs` of being asked (queueing
 *   counts): past it the decision is denied with `policy.evaluation_timeout`. Before giving up,
 *   the pool reads any answer already waiting on the reply port, so an evaluation that finished
 *   while the HTTP thread was busy is never mistaken for a slow one.
 * - **Run limit.** A worker is terminated and replaced only when one evaluation has itself been
 *   running for `timeoutMs` (from the start time the worker publishes), so a thread that is merely
 *   busy under load is never killed for the queue's sake.
 *
 * Jobs go to idle workers in chunks: everything queued, shared evenly, up to {@link MAX_CHUNK} per
 * message, so under load one thread hand-off serves many evaluations (when idle, a chunk is one
 * job). Answers come back in small groups (see HOLD_REPLIES_MS in the worker), so a busy
 * core switches threads once per group rather than once per answer. When one evaluation runs
 * longer than {@link STEAL_AFTER_MS}, the jobs of its chunk the worker has not started are taken
 * back and queued for other workers, and so are the ones it finished whose answers it may still
 * hold: a pathological input delays only itself. A worker whose wasm memory
 * grew past the recycle threshold is replaced after its chunk, keeping memory flat.
 *
 * **Admission** (issue 17: one client sending looping inputs timed out 19.5% of everyone else's
 * decisions, four clients 98.9%). Each evaluation carries a key, the agent id; the queue is one
 * FIFO per key served round-robin ({@link FairQueue}), so a key with many jobs queued does not
 * stand in front of a key with one. Two rules keep a key's long evaluations from taking the
 * workers away from everyone else:
 * - **Per-key bound.** While one of a key's evaluations has been running longer than
 *   {@link STEAL_AFTER_MS}, that key may hold at most `workers - 1` workers (at least one): its
 *   other jobs wait for it, not in front of other keys.
 * - **Penalty lane.** A key whose evaluation was cut off at its run limit is a suspect until it
 *   has been quiet (no further cut-off) for `keyQuietMs`. Suspects' jobs run one at a time on a
 *   worker of their own, the lane, started at the first cut-off at the lowest CPU priority
 *   (nice 19, see thread-priority.ts), each with the shorter run limit `suspectRunLimitMs`; they
 *   never run on the `workers` everyone else uses. A suspect's ordinary inputs still take
 *   microseconds there; its looping ones take a core only when the other agents leave it idle.
 *   A lane worker cut off is replaced after a pause that doubles with each cut-off in a row
 *   ({@link lanePauseMs}): a new worker's start is mostly V8's background threads, which no
 *   priority reaches. What a suspect queues past its answer deadline is denied without running.
 *   (Before, suspects took one of the shared workers and restarted it at full priority as fast as
 *   they looped: with four looping agents the others' p99 was 2.8x unloaded; now 1.2x,
 *   bench/README.md.)
 * Jobs asked for without a key share one unrestricted FIFO (the Data API, tests). The first
 * looping input of a fresh key cannot be told from a legitimate one before it runs, so it may
 * hold a worker up to the full deadline; the rules bound what follows.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { PolicyEvaluationError } from '../../errors/policy-errors.ts';
import {
  CLAIMS_BYTES,
  ChunkClaims,
  type ChunkReplies,
  type EvalChunk,
  type WorkerChannel,
  type WorkerInit,
  type WorkerReady,
} from './eval-worker.ts';
import { resultFromText } from '../wasm-engine.ts';
import { FairQueue, UNKEYED } from './fair-queue.ts';
import { workerCompileCacheDir } from './compile-cache.ts';
import type { ThreadPriority } from './thread-priority.ts';
import {
  DEFAULT_UNREADY_AFTER_ABORTS,
  healthOf,
  type EvaluateOptions,
  type Evaluator,
  type EvaluatorHealth,
  type EvaluatorOptions,
} from './evaluator.ts';

const WORKER_URL = new URL('./eval-worker.ts', import.meta.url);

/** How long (ms) a key must go without a cut-off evaluation to leave the penalty lane, unless configured. */
export const DEFAULT_KEY_QUIET_MS = 10_000;

/** Milliseconds on performance.timeOrigin's epoch: comparable with the start times workers publish. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Most evaluations handed to a worker in one message. */
export const MAX_CHUNK = 32;

/**
 * After the lane's worker is cut off, its successor starts this long (ms) later, doubling with
 * each cut-off in a row up to {@link LANE_BACKOFF_MAX_MS}; an evaluation the lane completes
 * resets it. A restart is the expensive part of a looping agent (a new isolate, about 25 ms of
 * V8's background threads on the 2-core VM even with the compiled policy shared), so this bounds
 * what looping suspects cost everyone else to about one restart a second; meanwhile their jobs
 * wait, and what waits past its deadline is denied.
 */
export const LANE_BACKOFF_MS = 100;

/** Longest pause (ms) before the lane's worker is started again. */
export const LANE_BACKOFF_MAX_MS = 1000;

/** The pause (ms) before the lane's next worker starts, after `cutOffsInARow` (at least 1) cut-offs. */
export function lanePauseMs(cutOffsInARow: number): number {
  return Math.min(LANE_BACKOFF_MAX_MS, LANE_BACKOFF_MS * 2 ** Math.max(0, cutOffsInARow - 1));
}

/** An evaluation running this long (ms) has the unstarted rest of its chunk moved elsewhere. */
export const STEAL_AFTER_MS = 10;

interface Job {
  id: number;
  /** The admission key (agent id), {@link UNKEYED} when none was given. */
  key: string;
  entrypoint: string;
  json: string;
  strict: boolean | undefined;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

/** The jobs a worker holds, in claim order; `handedBack` were queued again and also kept here. */
interface Chunk {
  id: number;
  jobs: Job[];
  handedBack: Set<Job>;
  /** A suspect key's single job, run in the penalty lane with the shorter run limit. */
  suspect: boolean;
}

interface Slot {
  worker: Worker;
  replies: MessagePort;
  claims: ChunkClaims;
  /** Settles once the worker has loaded the revision. */
  ready: Promise<void>;
  loaded: boolean;
  /** The chunk in flight, if any. */
  chunk: Chunk | undefined;
  /** Looks at the running evaluation: steal the chunk's rest, or cut it off. */
  watchdog: NodeJS.Timeout | undefined;
  /** When the chunk in flight was handed over (performance.timeOrigin-based ms). */
  handedAt: number;
  memoryBytes: number;
  /** The penalty lane's worker: runs suspects' jobs only, at low priority. */
  lane: boolean;
  /** The worker's thread and nice value, once loaded (Linux). */
  thread: ThreadPriority | undefined;
}

/** A pool of evaluation workers for one revision. */
export class WorkerPoolEvaluator implements Evaluator {
  private readonly init: WorkerInit;
  private readonly options: EvaluatorOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: FairQueue<Job>;
  /** Run limit of a suspect key's evaluation (ms). */
  private readonly suspectRunLimitMs: number;
  /** Most workers one long-running key may hold. */
  private readonly perKeyWorkers: number;
  private dispatchQueued = false;
  private nextId = 0;
  private nextChunk = 1;
  private recycledCount = 0;
  private closed = false;
  private aborts = 0;
  private consecutiveAborts = 0;
  private lastAbort: string | undefined;
  /** The lane's cut-offs in a row (no lane evaluation completed between). */
  private laneCutOffs = 0;
  /** Pending start of the lane's next worker, after a cut-off. */
  private laneRestart: NodeJS.Timeout | undefined;

  private constructor(init: WorkerInit, options: EvaluatorOptions) {
    this.init = init;
    this.options = options;
    this.queue = new FairQueue(options.keyQuietMs ?? DEFAULT_KEY_QUIET_MS);
    this.suspectRunLimitMs = Math.min(
      options.timeoutMs,
      options.suspectRunLimitMs ?? Math.max(STEAL_AFTER_MS, Math.floor(options.timeoutMs / 5)),
    );
    this.perKeyWorkers = Math.max(1, Math.max(1, options.workers) - 1);
  }

  /** Starts `options.workers` workers and waits until each has loaded the revision. */
  static async start(init: WorkerInit, options: EvaluatorOptions): Promise<WorkerPoolEvaluator> {
    const pool = new WorkerPoolEvaluator(init, options);
    for (let i = 0; i < Math.max(1, options.workers); i++) pool.slots.push(pool.spawn());
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  evaluate(entrypoint: string, json: string, options?: EvaluateOptions, key?: string): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new PolicyEvaluationError('policy.not_loaded', 'this revision is no longer active'));
    if (this.queue.size >= this.options.maxQueue) {
      return Promise.reject(new PolicyEvaluationError('policy.evaluation_timeout', 'policy evaluation queue is full'));
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        key: key ?? UNKEYED,
        entrypoint,
        json,
        strict: options?.strictBuiltinErrors,
        resolve,
        reject,
        done: false,
        timer: undefined as unknown as NodeJS.Timeout,
      };
      job.timer = setTimeout(() => this.expire(job), this.options.timeoutMs);
      this.queue.push(job);
      // Evaluations asked for in the same tick (a batch) leave together, in one chunk per worker.
      if (!this.dispatchQueued) {
        this.dispatchQueued = true;
        queueMicrotask(() => {
          this.dispatchQueued = false;
          this.dispatch();
        });
      }
    });
  }

  /**
   * Settles once every worker slot has loaded the revision: after a stuck worker is replaced, its
   * successor takes a while to start (longer on a loaded machine), and until then the pool runs on
   * fewer workers.
   */
  async whenReady(): Promise<void> {
    for (;;) {
      const pending = this.slots.filter((s) => !s.loaded);
      if (pending.length === 0 || this.closed) return;
      await Promise.all(pending.map((s) => s.ready.catch(() => undefined)));
      // A successor that failed to load stays in its slot unloaded: nothing more to wait for.
      if (pending.every((s) => this.slots.includes(s) && !s.loaded)) return;
    }
  }

  /**
   * Counts aborts across all workers: each worker replaces an instance an evaluation aborted in,
   * so only a run of aborts with no completed evaluation between makes the pool not ready.
   */
  health(): EvaluatorHealth {
    const threshold = this.options.unreadyAfterAborts ?? DEFAULT_UNREADY_AFTER_ABORTS;
    return healthOf(this.aborts, this.consecutiveAborts, threshold, this.lastAbort);
  }

  memoryBytes(): number {
    return this.slots.reduce((max, s) => Math.max(max, s.memoryBytes), 0);
  }

  recycled(): number {
    return this.recycledCount;
  }

  /** A key's admission state, for tests and diagnostics: strikes within the quiet period, jobs queued. */
  admission(key: string): { strikes: number; suspect: boolean; queued: number } {
    const strikes = this.queue.strikes(key, now());
    return { strikes, suspect: strikes > 0, queued: this.queue.queued(key) };
  }

  /** Each loaded worker's thread, and whether it is the penalty lane (for tests and diagnostics). */
  threads(): { lane: boolean; thread: ThreadPriority | undefined }[] {
    return this.slots.filter((s) => s.loaded).map((s) => ({ lane: s.lane, thread: s.thread }));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.laneRestart);
    for (const job of this.queue.drain())
      this.finish(job, new PolicyEvaluationError('policy.not_loaded', 'this revision is no longer active'));
    // In-flight evaluations finish (each within its deadline) before their workers go.
    while (this.slots.some((s) => s.chunk?.jobs.some((j) => !j.done) === true)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.watchdog);
        slot.replies.close();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(lane = false): Slot {
    const { port1, port2 } = new MessageChannel();
    const claims = new SharedArrayBuffer(CLAIMS_BYTES);
    const channel: WorkerChannel = { replies: port2, claims };
    const cacheDir = workerCompileCacheDir();
    const worker = new Worker(WORKER_URL, {
      // A replaced worker starts from Node's compile cache instead of stripping and compiling again.
      env: cacheDir === undefined ? process.env : { ...process.env, NODE_COMPILE_CACHE: cacheDir },
      workerData: { init: this.init, channel, lowPriority: lane },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    worker.unref();
    port1.unref();
    const slot: Slot = {
      worker,
      replies: port1,
      claims: new ChunkClaims(claims),
      ready: Promise.resolve(),
      loaded: false,
      chunk: undefined,
      watchdog: undefined,
      handedAt: 0,
      memoryBytes: 0,
      lane,
      thread: undefined,
    };
    slot.ready = new Promise((resolve, reject) => {
      const onReady = (m: unknown) => {
        if (m !== null && typeof m === 'object' && 'ready' in m) {
          slot.thread = (m as WorkerReady).thread;
          worker.off('error', onError);
          port1.on('message', (replies: ChunkReplies) => this.onReplies(slot, replies));
          worker.on('error', (err) => this.onCrash(slot, err));
          worker.on('exit', () => this.onCrash(slot, new Error('evaluation worker exited')));
          slot.loaded = true;
          resolve();
          this.dispatch();
        }
      };
      const onError = (err: unknown) =>
        reject(new PolicyEvaluationError('policy.not_loaded', 'evaluation worker failed to load the revision', err));
      worker.once('message', onReady);
      worker.once('error', onError);
    });
    slot.ready.catch(() => undefined);
    return slot;
  }

  /**
   * Hands queued jobs to idle workers: ordinary keys' jobs first, round-robin across keys, shared
   * evenly, at most MAX_CHUNK each; a key with an evaluation running long only up to its bound.
   * Suspects' jobs go one at a time to the penalty lane's worker, never to the shared ones.
   */
  private dispatch(): void {
    if (this.closed || this.queue.size === 0) return;
    const at = now();
    const long = new Map<string, number>();
    for (const slot of this.slots) {
      const chunk = slot.chunk;
      if (chunk === undefined) continue;
      const { index, startedAt } = slot.claims.current();
      const running = index >= 0 ? chunk.jobs[index] : undefined;
      if (running !== undefined && !running.done && running.key !== UNKEYED && at - startedAt >= STEAL_AFTER_MS)
        long.set(running.key, (long.get(running.key) ?? 0) + 1);
    }
    const suspect = (key: string) => key !== UNKEYED && this.queue.strikes(key, at) > 0;
    const ordinary = (key: string) => !suspect(key) && (long.get(key) ?? 0) < this.perKeyWorkers;
    const idle = this.slots.filter((s) => !s.lane && s.loaded && s.chunk === undefined);
    for (const [n, slot] of idle.entries()) {
      const waiting = this.queue.count(ordinary);
      if (waiting === 0) break;
      const share = Math.min(MAX_CHUNK, Math.ceil(waiting / (idle.length - n)));
      this.send(slot, this.queue.take(share, ordinary), false);
    }
    const lane = this.slots.find((s) => s.lane);
    if (lane === undefined || !lane.loaded || lane.chunk !== undefined) return;
    const [job] = this.queue.take(1, (key) => suspect(key) && !long.has(key));
    if (job !== undefined) this.send(lane, [job], true);
  }

  private send(slot: Slot, jobs: Job[], suspect: boolean): void {
    const chunk: Chunk = { id: this.nextChunk++, jobs, handedBack: new Set(), suspect };
    slot.chunk = chunk;
    slot.claims.reset();
    slot.handedAt = now();
    const message: EvalChunk = {
      chunk: chunk.id,
      jobs: jobs.map((j) =>
        j.strict === undefined
          ? { id: j.id, entrypoint: j.entrypoint, json: j.json }
          : { id: j.id, entrypoint: j.entrypoint, json: j.json, strict: j.strict },
      ),
    };
    slot.worker.postMessage(message);
    this.armWatchdog(slot, jobs.length > 1 ? STEAL_AFTER_MS : this.runLimit(chunk));
  }

  /** How long one evaluation of `chunk` may run before its worker is replaced. */
  private runLimit(chunk: Chunk): number {
    return chunk.suspect ? this.suspectRunLimitMs : this.options.timeoutMs;
  }

  private armWatchdog(slot: Slot, ms: number): void {
    clearTimeout(slot.watchdog);
    slot.watchdog = setTimeout(() => this.watch(slot), Math.max(1, ms));
  }

  /** Reads every answer already waiting on the workers' reply ports. */
  private drainReplies(): void {
    for (const slot of [...this.slots]) {
      if (!slot.loaded) continue;
      for (let m = receiveMessageOnPort(slot.replies); m !== undefined; m = receiveMessageOnPort(slot.replies)) {
        this.onReplies(slot, m.message as ChunkReplies);
      }
    }
  }

  private onReplies(slot: Slot, message: ChunkReplies): void {
    const chunk = slot.chunk;
    if (chunk === undefined || chunk.id !== message.chunk) return;
    for (const reply of message.replies) {
      const job = chunk.jobs.find((j) => j.id === reply.id);
      if (job === undefined) continue;
      if (!reply.ok) {
        if (reply.aborted) {
          this.aborts++;
          this.consecutiveAborts++;
          this.lastAbort = reply.reasonCode;
        }
        this.finish(job, new PolicyEvaluationError(reply.reasonCode, reply.message));
        continue;
      }
      this.consecutiveAborts = 0;
      try {
        this.finish(job, undefined, resultFromText(job.entrypoint, reply.text));
      } catch (err) {
        this.finish(job, err);
      }
    }
    if (message.done === undefined) return;
    if (slot.lane) this.laneCutOffs = 0;
    slot.chunk = undefined;
    clearTimeout(slot.watchdog);
    slot.memoryBytes = message.done.memoryBytes;
    if (!this.closed && message.done.memoryBytes > this.options.recycleAboveBytes) this.replace(slot);
    this.dispatch();
  }

  /** The answer deadline: deny unless the answer is already waiting. */
  private expire(job: Job): void {
    if (job.done) return;
    this.drainReplies();
    if (job.done) return;
    // A suspect's job that never left the queue waited for the lane: the key was not quiet.
    if (this.queue.remove(job)) this.queue.notQuiet(job.key, now());
    this.finish(job, this.timeout());
  }

  /**
   * Looks at a worker's running evaluation: past STEAL_AFTER_MS the unstarted rest of its chunk
   * goes back to the queue, and so do the jobs it finished before this one but has not answered
   * (it may hold their answers until the running one ends; evaluation is pure, so whichever copy
   * answers first is the answer). Past its run limit (timeoutMs, shorter for a suspect key) the
   * worker is replaced, only the running evaluation is denied, and its key gets a strike.
   */
  private watch(slot: Slot): void {
    this.drainReplies();
    const chunk = slot.chunk;
    if (chunk === undefined || !this.slots.includes(slot)) return;
    const at = now();
    const limit = this.runLimit(chunk);
    const { index, startedAt } = slot.claims.current();
    const ranFor = index < 0 ? 0 : at - startedAt;
    // How long the chunk's queue has been held up: by the running job, or before the first claim.
    const heldFor = index < 0 ? at - slot.handedAt : ranFor;
    if (heldFor >= STEAL_AFTER_MS) {
      const first = slot.claims.takeRest(chunk.jobs.length);
      const unstarted = chunk.jobs.splice(first);
      this.handBack(chunk, chunk.jobs.slice(0, Math.max(0, index)), unstarted);
    }
    if (index >= 0 && ranFor >= limit) {
      slot.chunk = undefined;
      const running = chunk.jobs[index];
      if (running !== undefined) {
        this.queue.strike(running.key, at);
        this.finish(running, this.timeout());
      }
      this.handBack(chunk, chunk.jobs, []);
      if (slot.lane) this.restartLane(slot);
      else {
        this.replace(slot);
        // The first cut-off starts the penalty lane (its suspects wait in the queue meanwhile).
        const laneDown = this.laneRestart === undefined && !this.slots.some((s) => s.lane);
        if (running !== undefined && running.key !== UNKEYED && laneDown) this.slots.push(this.spawn(true));
      }
      this.dispatch();
      return;
    }
    const untilSteal = heldFor < STEAL_AFTER_MS ? STEAL_AFTER_MS - heldFor : Infinity;
    this.armWatchdog(slot, Math.min(untilSteal, limit - ranFor));
  }

  /**
   * Queues a held-up chunk's unanswered jobs again, ahead of the rest: `kept` stay in the chunk
   * too (the worker may yet answer them) and are queued once per chunk; `removed` left it.
   */
  private handBack(chunk: Chunk, kept: readonly Job[], removed: readonly Job[]): void {
    const again = [...kept.filter((j) => !j.done && !chunk.handedBack.has(j)), ...removed.filter((j) => !j.done)];
    if (again.length === 0) return;
    for (const job of again) chunk.handedBack.add(job);
    this.queue.pushFront(again);
    this.dispatch();
  }

  private timeout(): PolicyEvaluationError {
    return new PolicyEvaluationError(
      'policy.evaluation_timeout',
      `policy evaluation exceeded its ${this.options.timeoutMs} ms deadline`,
    );
  }

  private onCrash(slot: Slot, err: unknown): void {
    if (!this.slots.includes(slot)) return;
    const chunk = slot.chunk;
    slot.chunk = undefined;
    for (const job of chunk?.jobs ?? [])
      this.finish(job, new PolicyEvaluationError('policy.evaluation_error', 'evaluation worker crashed', err));
    if (!this.closed) this.replace(slot);
  }

  /** Terminates the lane's worker now and starts its successor after the backoff. */
  private restartLane(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    this.recycledCount++;
    this.retire(slot);
    this.laneCutOffs++;
    const pause = lanePauseMs(this.laneCutOffs);
    this.laneRestart = setTimeout(() => {
      this.laneRestart = undefined;
      if (!this.closed) this.slots.push(this.spawn(true));
    }, pause);
    this.laneRestart.unref();
  }

  /** Stops a worker for good: no more of its messages are read. */
  private retire(slot: Slot): void {
    clearTimeout(slot.watchdog);
    slot.worker.removeAllListeners();
    slot.replies.removeAllListeners();
    slot.replies.close();
    void slot.worker.terminate();
  }

  /** Terminates a worker and puts a fresh one in its place. */
  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.recycledCount++;
    this.retire(slot);
    this.slots[index] = this.spawn(slot.lane);
  }

  private finish(job: Job, err: unknown, value?: unknown): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (err === undefined) job.resolve(value);
    else job.reject(err);
  }
}
