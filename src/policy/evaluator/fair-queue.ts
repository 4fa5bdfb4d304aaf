/**
 * The evaluation pool's queue: one FIFO per key (the agent id), served round-robin, plus each
 * key's record of evaluations cut off at their run limit ("strikes"). One FIFO for everyone let a
 * client sending looping inputs fill both workers and the queue in front of every other agent
 * (issue 17: 19.5% of other agents' decisions timed out with one such client, 98.9% with four);
 * per-key queues let the pool decide who goes next and hold a key back without holding anyone
 * else. The pool (worker-pool.ts) decides which keys are eligible; this module only keeps order
 * and strikes. Imports nothing.
 */

/** The key of evaluations asked for without one: exempt from per-key limits and strikes. */
export const UNKEYED = '';

/** What the queue needs of a job. */
export interface Keyed {
  readonly key: string;
}

interface KeyState<J> {
  queue: J[];
  strikes: number;
  /** When the last strike was recorded (ms, any monotonic clock the caller uses throughout). */
  lastStrikeAt: number;
}

/** Per-key FIFOs served round-robin, with strikes that expire after a quiet period. */
export class FairQueue<J extends Keyed> {
  readonly #keys = new Map<string, KeyState<J>>();
  /** Keys with queued jobs, next to be served first. */
  #ring: string[] = [];
  #size = 0;
  readonly #quietMs: number;

  /** `quietMs`: a key's strikes are forgotten this long after its last one. */
  constructor(quietMs: number) {
    this.#quietMs = quietMs;
  }

  /** Jobs queued over all keys. */
  get size(): number {
    return this.#size;
  }

  /** Queues a job at the back of its key's FIFO. */
  push(job: J): void {
    const state = this.#state(job.key);
    if (state.queue.length === 0) this.#ring.push(job.key);
    state.queue.push(job);
    this.#size++;
  }

  /** Queues jobs handed back by a held-up worker at the front of their keys' FIFOs, in order. */
  pushFront(jobs: readonly J[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i] as J;
      const state = this.#state(job.key);
      if (state.queue.length === 0) this.#ring.unshift(job.key);
      state.queue.unshift(job);
      this.#size++;
    }
  }

  /** Removes a queued job (its deadline passed); false when it was not queued. */
  remove(job: J): boolean {
    const state = this.#keys.get(job.key);
    const at = state?.queue.indexOf(job) ?? -1;
    if (state === undefined || at < 0) return false;
    state.queue.splice(at, 1);
    this.#size--;
    if (state.queue.length === 0) this.#leave(job.key, state);
    return true;
  }

  /** Jobs queued under keys for which `eligible` holds. */
  count(eligible: (key: string) => boolean): number {
    let n = 0;
    for (const key of this.#ring) if (eligible(key)) n += this.#keys.get(key)?.queue.length ?? 0;
    return n;
  }

  /**
   * Takes up to `n` jobs from eligible keys, one per key per round, each key's oldest first;
   * the keys served move to the back of the ring, so the next take starts with the others.
   */
  take(n: number, eligible: (key: string) => boolean): J[] {
    const chosen = this.#ring.filter(eligible);
    const out: J[] = [];
    const served = new Set<string>();
    for (let progress = true; progress && out.length < n;) {
      progress = false;
      for (const key of chosen) {
        if (out.length >= n) break;
        const job = this.#keys.get(key)?.queue.shift();
        if (job === undefined) continue;
        out.push(job);
        served.add(key);
        progress = true;
      }
    }
    if (served.size === 0) return out;
    this.#size -= out.length;
    const back: string[] = [];
    for (const key of served) {
      const state = this.#keys.get(key) as KeyState<J>;
      if (state.queue.length > 0) back.push(key);
      else this.#forgetIfClean(key, state);
    }
    this.#ring = [...this.#ring.filter((k) => !served.has(k)), ...back];
    return out;
  }

  /** Every queued job, emptying the queue (the pool is closing). */
  drain(): J[] {
    const all = [...this.#keys.values()].flatMap((s) => s.queue.splice(0));
    this.#ring = [];
    this.#size = 0;
    return all;
  }

  /** Records that one of `key`'s evaluations was cut off at its run limit. */
  strike(key: string, now: number): void {
    if (key === UNKEYED) return;
    const state = this.#state(key);
    state.strikes++;
    state.lastStrikeAt = now;
  }

  /**
   * Records that a suspect `key` was not quiet although nothing of it was cut off: a job of it
   * waited past its deadline for the penalty lane (which pauses after cut-offs). Its strikes stay
   * for another quiet period, so waiting out the lane's pause does not make a key fresh again.
   * A key without strikes is left as it is.
   */
  notQuiet(key: string, now: number): void {
    if (this.strikes(key, now) === 0) return;
    (this.#keys.get(key) as KeyState<J>).lastStrikeAt = now;
  }

  /** Strikes `key` has within the quiet period (0 once it has been quiet that long). */
  strikes(key: string, now: number): number {
    const state = this.#keys.get(key);
    if (state === undefined || state.strikes === 0) return 0;
    if (now - state.lastStrikeAt < this.#quietMs) return state.strikes;
    state.strikes = 0;
    this.#forgetIfClean(key, state);
    return 0;
  }

  /** Jobs queued under `key`. */
  queued(key: string): number {
    return this.#keys.get(key)?.queue.length ?? 0;
  }

  #state(key: string): KeyState<J> {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { queue: [], strikes: 0, lastStrikeAt: 0 };
      this.#keys.set(key, state);
    }
    return state;
  }

  #leave(key: string, state: KeyState<J>): void {
    const at = this.#ring.indexOf(key);
    if (at >= 0) this.#ring.splice(at, 1);
    this.#forgetIfClean(key, state);
  }

  /** Keys with nothing queued and no strikes take no memory (agent ids are unbounded). */
  #forgetIfClean(key: string, state: KeyState<J>): void {
    if (state.queue.length === 0 && state.strikes === 0) this.#keys.delete(key);
  }
}
