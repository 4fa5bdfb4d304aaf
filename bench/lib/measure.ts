/**
 * Measurements on running servers: one attack with the server's CPU cost, warm-up, and the
 * open-loop sweep for the maximum sustained rate. Both servers' sweeps advance step by step in
 * turn, so a burst of background load on this shared machine falls on both alike.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { CorpusEntry } from '../corpus/corpus.ts';
import { cpuSeconds, selfAndChildrenSeconds, waitIdle } from './proc.ts';
import type { Measured, ServerMax } from './report.ts';
import type { RunningServer } from './servers.ts';
import type { BenchSettings } from './settings.ts';
import { attack, writeTargets, type AttackStats, type Pace } from './vegeta.ts';

/**
 * A fail-closed deny (say, an evaluation past its deadline) is a 200 to the load generator but
 * not a policy answer, and far cheaper than one: it counts as an error, never as throughput.
 */
function discount(stats: AttackStats, failed: number): AttackStats {
  const ok = Math.max(0, stats.ok - failed);
  return {
    ...stats,
    ok,
    errorRate: stats.requests === 0 ? 1 : (stats.requests - ok) / stats.requests,
    throughput: stats.ok === 0 ? 0 : (stats.throughput * ok) / stats.ok,
    firstError: `${failed} fail-closed denials (regent_fail_closed_total)`,
  };
}

/** Runs attacks against servers with one corpus, logging each result. */
export class Measurer {
  readonly #s: BenchSettings;
  readonly #corpus: readonly CorpusEntry[];
  readonly #log: (msg: string) => void;
  readonly #dir: string;
  #runs = 0;

  constructor(settings: BenchSettings, corpus: readonly CorpusEntry[], log: (msg: string) => void) {
    this.#s = settings;
    this.#corpus = corpus;
    this.#log = log;
    this.#dir = path.join(settings.outDir, 'runs');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** One attack on `server`, with the server's CPU seconds per 1,000 answered decisions. */
  async measure(server: RunningServer, pace: Pace, seconds: number, label: string): Promise<Measured> {
    const targetsFile = path.join(this.#dir, `targets-${server.pid}.json`);
    if (!existsSync(targetsFile)) {
      writeTargets(
        targetsFile,
        this.#corpus.map((e) => ({ url: server.decisionUrl, body: server.body(e) })),
      );
    }
    const failedBefore = await server.failClosed();
    const before = cpuSeconds(server.pid);
    const loadgenBefore = selfAndChildrenSeconds();
    const raw = await attack({
      vegeta: this.#s.vegetaBin,
      cpus: this.#s.loadgenCpus,
      targetsFile,
      resultsFile: path.join(
        this.#dir,
        `${String(++this.#runs).padStart(3, '0')}-${label.replace(/[^a-z0-9.]+/gi, '-')}.bin`,
      ),
      pace,
      seconds,
    });
    const cpu = cpuSeconds(server.pid) - before;
    // vegeta (and its encode pass) are waited-for children: their CPU lands in cutime/cstime.
    const loadgenCores = (selfAndChildrenSeconds() - loadgenBefore) / seconds;
    const failedAfter = await server.failClosed();
    const failed = failedBefore === undefined || failedAfter === undefined ? 0 : failedAfter - failedBefore;
    const stats = failed > 0 ? discount(raw, failed) : raw;
    // Whatever queued up during an overloaded step must drain before the next one starts.
    await waitIdle(server.pid);
    const m = { stats, cpuPer1k: stats.ok === 0 ? NaN : (cpu / stats.ok) * 1000, loadgenCores };
    const paceText = pace.kind === 'open' ? `${Math.round(pace.rate)}/s` : `closed x${pace.connections}`;
    const error = stats.firstError === undefined ? '' : ` (${stats.firstError})`;
    this.#log(
      `${server.name} ${paceText}: ${stats.throughput.toFixed(0)}/s, p50 ${stats.p50.toFixed(2)} p99 ${stats.p99.toFixed(2)} ` +
        `p99.9 ${stats.p999.toFixed(2)} ms, errors ${(stats.errorRate * 100).toFixed(2)}%${error}, ${m.cpuPer1k.toFixed(2)} CPU s/1k`,
    );
    return m;
  }

  /** Warm-up on a fresh server: JIT, connections, and regent's activity windows reach steady state. */
  async warmUp(server: RunningServer): Promise<void> {
    const connections = Math.max(1, Math.round(this.#s.connections / 4));
    await this.measure(server, { kind: 'closed', connections }, this.#s.warmupSeconds, `${server.name}-warmup`);
  }

  /** Closed-loop maximum with the configured connections. */
  closed(server: RunningServer, label: string, seconds = this.#s.stepSeconds): Promise<Measured> {
    return this.measure(server, { kind: 'closed', connections: this.#s.connections }, seconds, label);
  }

  /** Whether an open-loop run at `rate` was sustained: sent, answered, few errors, p99 within `p99Bound`. */
  judge(step: Measured, rate: number, p99Bound = this.#s.p99BoundMs): { pass: boolean; why: string } {
    const st = step.stats;
    const s = this.#s;
    if (st.offered < 0.97 * rate) return { pass: false, why: `load generator sent only ${st.offered.toFixed(0)}/s` };
    if (st.errorRate > s.maxErrorRate) return { pass: false, why: `errors ${(st.errorRate * 100).toFixed(2)}%` };
    if (st.throughput < 0.97 * rate) return { pass: false, why: `answered ${st.throughput.toFixed(0)}/s` };
    if (st.p99 > p99Bound) return { pass: false, why: `p99 ${st.p99.toFixed(1)} ms` };
    return { pass: true, why: '' };
  }

  /**
   * Records an open-loop run in `max`: the sustained maximum and, when `goal` (runs whose p99 is
   * the median of repeats, not one lucky run), the maximum within the goal's p99.
   */
  credit(max: ServerMax, result: Measured, rate: number, goal = true): boolean {
    const { pass } = this.judge(result, rate);
    if (pass) max.sustained = Math.max(max.sustained, result.stats.throughput);
    if (goal && this.judge(result, rate, this.#s.goalP99Ms).pass)
      max.atGoal = Math.max(max.atGoal, result.stats.throughput);
    return pass;
  }

  async #step(server: RunningServer, max: ServerMax, fraction: number): Promise<boolean> {
    const rate = fraction * max.closed.stats.throughput;
    const label = `${server.name}-sweep-${fraction.toFixed(3)}`;
    let result = await this.measure(server, { kind: 'open', rate }, this.#s.stepSeconds, label);
    let verdict = this.judge(result, rate);
    // A step that kept up but missed only on p99 is run once more: on a shared machine one
    // preemption of the server core can push a short step's p99 past the bound on its own.
    if (!verdict.pass && verdict.why.startsWith('p99')) {
      max.steps.push({ rate, result, pass: false, why: `${verdict.why}, retried` });
      result = await this.measure(server, { kind: 'open', rate }, this.#s.stepSeconds, `${label}-retry`);
      verdict = this.judge(result, rate);
    }
    max.steps.push({ rate, result, ...verdict });
    // A sweep step is one run: it counts for the maximum, but only repeated fixed runs for the p99 goal.
    this.credit(max, result, rate, false);
    return verdict.pass;
  }

  /**
   * Open-loop sweep at rising fractions of each server's closed-loop maximum until a step fails,
   * then one step halfway between the last pass and the first failure. When even the first step
   * fails, the rate halves (at most three times) until one passes, so a maximum is still found.
   */
  async sweep(servers: readonly RunningServer[], maxima: ServerMax[]): Promise<void> {
    const passed = servers.map(() => 0);
    const failed = servers.map((): number | undefined => undefined);
    for (const fraction of this.#s.sweep) {
      for (let i = 0; i < servers.length; i++) {
        if (failed[i] !== undefined) continue;
        if (await this.#step(servers[i]!, maxima[i]!, fraction)) passed[i] = fraction;
        else failed[i] = fraction;
      }
      if (failed.every((f) => f !== undefined)) break;
    }
    for (let i = 0; i < servers.length; i++) {
      const fail = failed[i];
      if (fail === undefined) continue;
      if (passed[i]! > 0) {
        await this.#step(servers[i]!, maxima[i]!, (passed[i]! + fail) / 2);
        continue;
      }
      for (let f = fail / 2, tries = 0; tries < 3; f /= 2, tries++) {
        if (await this.#step(servers[i]!, maxima[i]!, f)) break;
      }
    }
  }
}
