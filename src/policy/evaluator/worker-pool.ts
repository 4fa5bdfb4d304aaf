/**
 * Evaluates a revision in a pool of worker threads. Each evaluation has a deadline (counted from
 * when it was asked, so queueing counts too); past it the evaluation is denied with
 * `policy.evaluation_timeout`, its worker is terminated and replaced, and other evaluations keep
 * flowing. A worker whose wasm memory grew past the recycle threshold is replaced after its answer,
 * so memory stays flat over millions of decisions.
 */
import { Worker } from 'node:worker_threads';
import { PolicyEvaluationError } from '../../errors/policy-errors.ts';
import type { EvalReply, EvalRequest, WorkerInit } from './eval-worker.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator.ts';

const WORKER_URL = new URL('./eval-worker.ts', import.meta.url);

interface Job {
  id: number;
  entrypoint: string;
  json: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

interface Slot {
  worker: Worker;
  /** Settles once the worker has loaded the revision. */
  ready: Promise<void>;
  loaded: boolean;
  busy: Job | undefined;
  memoryBytes: number;
}

/** A pool of evaluation workers for one revision. */
export class WorkerPoolEvaluator implements Evaluator {
  private readonly init: WorkerInit;
  private readonly options: EvaluatorOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private recycledCount = 0;
  private closed = false;

  private constructor(init: WorkerInit, options: EvaluatorOptions) {
    this.init = init;
    this.options = options;
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

  evaluate(entrypoint: string, json: string): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new PolicyEvaluationError('policy.not_loaded', 'this revision is no longer active'));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new PolicyEvaluationError('policy.evaluation_timeout', 'policy evaluation queue is full'));
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        entrypoint,
        json,
        resolve,
        reject,
        done: false,
        timer: undefined as unknown as NodeJS.Timeout,
      };
      job.timer = setTimeout(() => this.expire(job), this.options.timeoutMs);
      this.queue.push(job);
      this.dispatch();
    });
  }

  memoryBytes(): number {
    return this.slots.reduce((max, s) => Math.max(max, s.memoryBytes), 0);
  }

  recycled(): number {
    return this.recycledCount;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      this.finish(job, new PolicyEvaluationError('policy.not_loaded', 'this revision is no longer active'));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.busy !== undefined) await new Promise<void>((r) => slot.worker.once('message', () => r()));
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, { workerData: this.init, stdout: false, stderr: false });
    worker.unref();
    const slot: Slot = { worker, ready: Promise.resolve(), loaded: false, busy: undefined, memoryBytes: 0 };
    slot.ready = new Promise((resolve, reject) => {
      const onReady = (m: unknown) => {
        if (m !== null && typeof m === 'object' && 'ready' in m) {
          worker.off('error', onError);
          worker.on('message', (reply: EvalReply) => this.onReply(slot, reply));
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

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy !== undefined || !slot.loaded) continue;
      const job = this.queue.shift() as Job;
      slot.busy = job;
      const request: EvalRequest = { id: job.id, entrypoint: job.entrypoint, json: job.json };
      slot.worker.postMessage(request);
    }
  }

  private onReply(slot: Slot, reply: EvalReply): void {
    const job = slot.busy;
    slot.busy = undefined;
    slot.memoryBytes = reply.memoryBytes;
    if (job !== undefined && job.id === reply.id) {
      if (reply.ok) this.finish(job, undefined, reply.value);
      else this.finish(job, new PolicyEvaluationError(reply.reasonCode, reply.message));
    }
    if (!this.closed && reply.memoryBytes > this.options.recycleAboveBytes) this.replace(slot);
    this.dispatch();
  }

  private expire(job: Job): void {
    if (job.done) return;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.finish(
      job,
      new PolicyEvaluationError(
        'policy.evaluation_timeout',
        `policy evaluation exceeded its ${this.options.timeoutMs} ms deadline`,
      ),
    );
    const slot = this.slots.find((s) => s.busy === job);
    if (slot !== undefined) this.replace(slot);
  }

  private onCrash(slot: Slot, err: unknown): void {
    if (!this.slots.includes(slot)) return;
    const job = slot.busy;
    slot.busy = undefined;
    if (job !== undefined)
      this.finish(job, new PolicyEvaluationError('policy.evaluation_error', 'evaluation worker crashed', err));
    if (!this.closed) this.replace(slot);
  }

  /** Terminates a worker and puts a fresh one in its place. */
  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.recycledCount++;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
  }

  private finish(job: Job, err: unknown, value?: unknown): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (err === undefined) job.resolve(value);
    else job.reject(err);
  }
}
