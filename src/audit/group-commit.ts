/**
 * Group commit: appends that arrive while a commit is in flight wait for the next one, so many
 * concurrent decisions share one write and one fsync (or one transaction) instead of queueing
 * behind one fsync each. Batches are bounded in records and bytes so a burst cannot make one
 * commit, and so every caller's wait, arbitrarily long.
 */

/** Bounds of one batch. */
export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
}

interface Waiter<I, R> {
  item: I;
  bytes: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** Collects items and hands them to `commit` in batches, one batch at a time, in order. */
export class GroupCommitter<I, R> {
  readonly #commit: (items: I[]) => Promise<R[]>;
  readonly #limits: BatchLimits;
  #queue: Waiter<I, R>[] = [];
  #running = false;
  #scheduled = false;
  #idle: (() => void)[] = [];

  /** `commit` must resolve with one result per item, in order, only once they are durable. */
  constructor(commit: (items: I[]) => Promise<R[]>, limits: BatchLimits) {
    this.#commit = commit;
    this.#limits = limits;
  }

  /** Queues `item`; resolves with its result after the batch holding it is committed. */
  submit(item: I, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, bytes, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything queued so far has been committed or rejected. */
  drain(): Promise<void> {
    if (!this.#running && !this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    // One macrotask of delay lets every append issued in the same tick join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        try {
          const results = await this.#commit(batch.map((waiter) => waiter.item));
          batch.forEach((waiter, i) => {
            waiter.resolve(results[i] as R);
          });
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.#running = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }

  #take(): Waiter<I, R>[] {
    let count = 0;
    let bytes = 0;
    for (const waiter of this.#queue) {
      // Always take at least one, even if it alone exceeds the byte bound.
      if (count > 0 && (count >= this.#limits.maxRecords || bytes + waiter.bytes > this.#limits.maxBytes)) break;
      count += 1;
      bytes += waiter.bytes;
    }
    return this.#queue.splice(0, count);
  }
}
