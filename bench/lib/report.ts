/**
 * Renders one benchmark run as the markdown of bench/RESULTS.md: the goals as ratios
 * regent/OPA from this run, then the tables behind them, the cost of each regent feature, the
 * in-process evaluation comparison, and where regent's CPU time goes.
 */
import type { BatchComparison } from './batch.ts';
import type { MachineFacts } from './context.ts';
import type { AttackStats } from './vegeta.ts';

/** Where and with what the run happened. */
export interface RunContext extends MachineFacts {
  date: string;
  serverCpus: string;
  loadgenCpus: string;
  loadBefore: string;
  loadAfter: string;
  /** Cores other processes kept busy on average during the HTTP runs. */
  backgroundCores: number;
  settings: Record<string, string>;
  corpus: { entries: number; mix: Record<string, number>; stale: boolean };
  elapsedSeconds: number;
}

/** One measured run on one server, with its CPU cost. */
export interface Measured {
  stats: AttackStats;
  /** CPU seconds of the server per 1,000 successful decisions. */
  cpuPer1k: number;
  /** Cores the load generator used (vegeta attack and encode, and this harness), to show its headroom. */
  loadgenCores: number;
}

/** A server's sweep outcome. */
export interface ServerMax {
  name: string;
  closed: Measured;
  steps: { rate: number; result: Measured; pass: boolean; why: string }[];
  /** Highest answered rate of a sustained open-loop run (0 when none passed). */
  sustained: number;
  /** Highest answered rate of a sustained open-loop run whose p99 met the goal's bound. */
  atGoal: number;
  peakRssMiB: number;
}

/** A fixed open-loop rate; OPA runs only at or below its maximum. */
export interface FixedRow {
  fraction: number;
  rate: number;
  /** The repeat with the median p99 (see BENCH_REPEATS). */
  opa: Measured | undefined;
  regent: Measured;
  /** p99 (ms) of every repeat, in the order run. */
  opaP99s?: number[];
  regentP99s?: number[];
  /**
   * regent's median run kept up with this rate (the sweep's sustain rule) with p99 under the
   * goal's bound. Absent in results written before 2026-11-24.
   */
  regentAtGoal?: boolean;
}

/** The run with the median p99 of `runs` (the upper median of an even count). */
export function medianByP99(runs: readonly Measured[]): Measured | undefined {
  const sorted = [...runs].sort((a, b) => a.stats.p99 - b.stats.p99);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One variant: its closed-loop maximum and its latency at a fixed open-loop rate. */
export interface VariantRow {
  name: string;
  server: 'regent' | 'OPA';
  result: Measured | undefined;
  open: Measured | undefined;
  error?: string;
}

/** In-process cost of one input. */
export interface EvalRow {
  note: string;
  regentEvaluateUs: number;
  regentFromObjectUs: number;
  opaBenchUs: number;
}

/** Everything a run produced. */
export interface BenchResults {
  context: RunContext;
  opa: ServerMax;
  regent: ServerMax;
  fixed: FixedRow[];
  fixedBase: string;
  /** Open-loop rate of the variants' latency step. */
  variantRate: number;
  variants: VariantRow[];
  evaluation: EvalRow[];
  regentCounters: string;
  profile: string | undefined;
  /** Batch vs single decisions (absent when BENCH_BATCH_DECISIONS=0). */
  batch?: BatchComparison | undefined;
  settings: { connections: number; p99BoundMs: number; goalP99Ms: number; maxErrorRate: number };
}

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b : NaN);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** "met" or "missed by N%" against `target`. */
function status(value: number, target: number, higherIsBetter: boolean): string {
  if (!Number.isFinite(value)) return 'not measured';
  if (higherIsBetter ? value >= target : value <= target) return 'met';
  const gap = higherIsBetter ? (target - value) / target : (value - target) / Math.max(target, 1e-9);
  return `**missed by ${(gap * 100).toFixed(0)}%**`;
}

function latencyRow(label: string, m: Measured | undefined, rate: number, p99s: readonly number[] = []): string {
  if (m === undefined) return `| ${label} | ${f0(rate)} | (not run: above its maximum) | | | | | | | | |`;
  const s = m.stats;
  const each = p99s.length > 1 ? p99s.map(ms).join(', ') : '';
  return `| ${label} | ${f0(rate)} | ${f0(s.throughput)} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${each} | ${ms(s.p999)} | ${ms(s.max)} | ${(s.errorRate * 100).toFixed(2)}% | ${f2(m.cpuPer1k)} |`;
}

/** Batch decisions per CPU-second over single, and the most batching could give. */
function batchFigures(r: BenchResults, evalUs: number) {
  const single = r.batch?.single;
  const batch = r.batch?.batch;
  if (single === undefined || batch === undefined) return undefined;
  // Batching shares the request, not the decision: the policy evaluation (and more) stays per
  // decision, so single CPU per decision over evaluation alone bounds any batch speed-up.
  const ceiling = (single.cpuPer1k * 1000) / evalUs;
  return { single, batch, x: batch.perCpuSecond / single.perCpuSecond, ceiling };
}

function batchGoalRow(r: BenchResults, evalUs: number): string {
  const f = batchFigures(r, evalUs);
  if (f === undefined)
    return '| Batch decisions per CPU-second over single requests | not measured | >= 10x | not measured |';
  return `| Batch decisions per CPU-second over single requests (batches of ${r.batch?.batchSize ?? '?'}) | ${f2(f.x)}x (${f0(f.batch.perCpuSecond)} vs ${f0(f.single.perCpuSecond)}) | >= 10x | ${status(f.x, 10, true)} (ceiling with everything but policy evaluation free: ${f1(f.ceiling)}x) |`;
}

function batchSection(r: BenchResults, evalUs: number): string[] {
  const f = batchFigures(r, evalUs);
  if (f === undefined || r.batch === undefined) return [];
  const rows = [f.single, f.batch].map(
    (m) =>
      `| ${m.label} | ${m.decisions} | ${f2(m.cpuPer1k)} | ${m.httpThreadPer1k === undefined ? 'n/a' : f2(m.httpThreadPer1k)} | ${f0(m.perCpuSecond)} | ${f0(m.perSecond)} |`,
  );
  const http = f.single.httpThreadPer1k;
  return [
    '## Batch vs single decisions',
    '',
    `regent as shipped (audit, metrics, decision log on), pinned like the other runs; the corpus's requests one per \`POST /v1/decisions\`, by ${r.batch.concurrency.single} clients, then ${r.batch.batchSize} per \`POST /v1/decisions/batch\` by ${r.batch.concurrency.batch} clients (${r.batch.concurrency.batch * r.batch.batchSize} decisions in flight: more than one core can finish within the 250 ms evaluation deadline would fail closed, by design; bench/lib/batch.ts). A run in which any decision failed closed is refused. Decisions per CPU-second is decisions per core.`,
    '',
    `| Mode | Decisions | regent CPU s per 1k | of which HTTP thread | Decisions per regent CPU-second | Decisions/s (wall) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...(http === undefined
      ? []
      : [
          `**Cores.** Policy evaluation runs in one worker thread per core; everything else a decision does (HTTP, validation, session state, detectors, redaction, audit, metrics, log) runs on one HTTP thread, ${f2(http)} ms of its CPU per single decision here. That bounds one regent process at about ${f0(1000 / http)} single decisions/s however many cores it has (${f0(1000 / (f.batch.httpThreadPer1k ?? NaN))}/s in batches); beyond that, run replicas sharing Redis and PostgreSQL (README, "Sessions and replicas").`,
          '',
        ]),
    `Batch over single: **${f2(f.x)}x** per CPU-second. A batch shares the HTTP request, parsing, the thread hand-off (chunks of evaluations) and audit commits, but every decision still pays its own policy evaluation (${f1(evalUs)} µs corpus mean, in-process), input building, secret scan, audit record and decision record. Even if all of that but evaluation cost nothing, batching could give at most ${f2(f.single.cpuPer1k)} ms / ${f1(evalUs)} µs = **${f1(f.ceiling)}x**: the 10x goal assumes per-request overhead dominates, which it does not in regent (it does in OPA server, whose single decision costs ${f2(r.opa.closed.cpuPer1k)} ms of CPU).`,
    '',
  ];
}

function header(r: BenchResults): string[] {
  const c = r.context;
  const env = Object.entries(c.regentEnv).map(([k, v]) => `${k}=${v}`);
  const quiet = c.backgroundCores <= 0.2;
  return [
    '# regent vs OPA server: benchmark results',
    '',
    `Generated by \`make bench\` on ${c.date} in ${f0(c.elapsedSeconds)} s; \`make bench\` regenerates this file. Method and caveats: bench/README.md.`,
    '',
    `- Machine: ${c.cpuModel}, ${c.cores} cores. Node ${c.node}, OPA ${c.opa}, vegeta ${c.vegeta}, commit ${c.commit}.`,
    `- Servers pinned to CPU ${c.serverCpus || '(not pinned)'}, one server under load at a time; load generator on CPU ${c.loadgenCpus || '(not pinned)'}. ` +
      (env.length === 0
        ? 'No REGENT_* variables set: regent ran with its defaults.'
        : `Passed through to regent: ${env.join(', ')}.`),
    `- Load average before / after: ${c.loadBefore} / ${c.loadAfter}. Other processes kept **${c.backgroundCores.toFixed(2)} cores** busy on average during the HTTP runs` +
      (quiet
        ? '.'
        : ': the machine was not quiet, so latencies and throughputs are noisy. Ratios come from runs interleaved in this one run, and CPU seconds per decision (which background load barely moves) back them up.'),
    `- Corpus: ${c.corpus.entries} decisions (${Object.entries(c.corpus.mix)
      .map(([k, v]) => `${v} ${k}`)
      .join(
        ', ',
      )}), cycled in order; both servers gave the corpus's outcome and reason codes for every entry before anything was measured and again after the head-to-head runs. Policy: rego/ with its activity limits lifted, the same source for both (bench/lib/policy.ts: with the shipped limits a looped corpus turns into denial-streak denials within a second).` +
      (c.corpus.stale
        ? ' **bench/corpus/corpus.json is stale: regenerate it with `node bench/corpus/generate.ts`.**'
        : ''),
    `- Settings: ${Object.entries(c.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  ];
}

/** Renders the report. */
export function renderReport(r: BenchResults): string {
  const b = r.settings;
  const half = r.fixed.find((x) => x.fraction === 0.5);
  const regentEval = mean(r.evaluation.map((e) => e.regentFromObjectUs));
  const opaEval = mean(r.evaluation.map((e) => e.opaBenchUs));
  const variant = (name: string) => r.variants.find((v) => v.server === 'regent' && v.name === name)?.result;
  const base = variant('default');
  const lean = variant('no decision log, no metrics');
  const cpuCost = (v: Measured | undefined) =>
    base === undefined || v === undefined ? NaN : 1 - v.cpuPer1k / base.cpuPer1k;
  const tputCost = (v: Measured | undefined) =>
    base === undefined || v === undefined ? NaN : 1 - base.stats.throughput / v.stats.throughput;

  // A fixed rate is exactly `fraction` times OPA's maximum, but an answered rate always lands a
  // hair below the offered one (the last requests' latency ends the run), so the ratio of answered
  // rates alone would read 1.4997x for a run that kept up with 1.5x. The fraction regent kept up
  // with at the goal's p99 counts too.
  const goalFraction = Math.max(0, ...r.fixed.filter((x) => x.regentAtGoal === true).map((x) => x.fraction));
  const maxRatio = Math.max(ratio(r.regent.atGoal, r.opa.sustained), goalFraction);
  const cpuRatio = ratio(r.opa.closed.cpuPer1k, r.regent.closed.cpuPer1k);
  const p99Ratio = half?.opa === undefined ? NaN : ratio(half.regent.stats.p99, half.opa.stats.p99);
  const evalRatio = ratio(regentEval, opaEval);
  // An absolute latency bound cannot be judged while other processes preempt the server core.
  const quarter = r.fixed.find((x) => x.fraction === 0.25)?.opa;
  const busy =
    r.context.backgroundCores > 0.2 && maxRatio < 1
      ? ` (busy machine: ${r.context.backgroundCores.toFixed(2)} cores of other load; OPA's own p99 at 25% of its max was ${quarter === undefined ? 'n/a' : ms(quarter.stats.p99)} ms)`
      : '';
  const aim =
    !Number.isFinite(maxRatio) || maxRatio < 1
      ? ''
      : maxRatio < 1.5
        ? `; aim 1.5x missed by ${(((1.5 - maxRatio) / 1.5) * 100).toFixed(0)}%`
        : '; aim 1.5x met';

  const out = header(r);
  out.push('## Goals (ratios regent/OPA, measured side by side in this run)', '');
  out.push('| Goal | Measured | Target | Status |', '| --- | ---: | ---: | --- |');
  out.push(
    `| Max sustained rate at which regent's p99 < ${b.goalP99Ms} ms, over OPA's max sustained rate | ${f2(maxRatio)}x (${f0(r.regent.atGoal)} vs ${f0(r.opa.sustained)}/s) | >= 1.0x, aim 1.5x | ${status(maxRatio, 1, true)}${aim}${busy} |`,
    `| Decisions per CPU-second at saturation (the same, robust to background load) | ${f2(cpuRatio)}x (${f0(1000 / r.regent.closed.cpuPer1k)} vs ${f0(1000 / r.opa.closed.cpuPer1k)}) | >= 1.0x, aim 1.5x | ${status(cpuRatio, 1, true)} |`,
    `| p99 at 50% of OPA's max (${half === undefined ? 'n/a' : f0(half.rate) + '/s'}), regent over OPA | ${f2(p99Ratio)}x (${half?.opa === undefined ? 'n/a' : ms(half.regent.stats.p99) + ' vs ' + ms(half.opa.stats.p99) + ' ms'}) | <= 1.0x | ${status(p99Ratio, 1, false)} |`,
    `| In-process evaluation per decision over \`opa bench\` (corpus mean) | ${f2(evalRatio)}x (${f1(regentEval)} vs ${f1(opaEval)} µs) | <= 1.0x | ${status(evalRatio, 1, false)} |`,
    `| Metrics + decision logging, share of regent's CPU per decision (throughput lost: ${pct(tputCost(lean))}) | ${pct(cpuCost(lean))} | <= 10% | ${status(cpuCost(lean), 0.1, false)} |`,
    batchGoalRow(r, regentEval),
    '',
  );

  out.push('## Maximum throughput', '');
  out.push(
    `Closed loop: ${b.connections} connections, one step. Sweep: open-loop steps at rising fractions of each server's closed-loop maximum; a run is sustained when at most ${(b.maxErrorRate * 100).toFixed(1)}% of requests fail, at least 97% of the offered rate is answered, and p99 <= ${b.p99BoundMs} ms. "Max sustained" is the best sustained run's answered rate (sweep or fixed rate); "max with p99 < ${b.goalP99Ms} ms" is the highest fixed rate below whose median-p99 run was sustained with p99 under ${b.goalP99Ms} ms (a single sweep step does not count: one lucky run is not a p99). "Load generator cores" is vegeta's CPU use: close to its CPU count would mean the generator, not the server, set the maximum.`,
    '',
    `| Server | Closed-loop max /s | p99 there (ms) | Load generator cores there | Max sustained /s | Max with p99 < ${b.goalP99Ms} ms /s | CPU s per 1k at saturation | Peak RSS (MiB) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const s of [r.opa, r.regent]) {
    out.push(
      `| ${s.name} | ${f0(s.closed.stats.throughput)} | ${ms(s.closed.stats.p99)} | ${f2(s.closed.loadgenCores)} | ${f0(s.sustained)} | ${s.atGoal > 0 ? f0(s.atGoal) : 'none'} | ${f2(s.closed.cpuPer1k)} | ${f0(s.peakRssMiB)} |`,
    );
  }
  out.push(
    '',
    `regent/OPA: closed loop ${f2(ratio(r.regent.closed.stats.throughput, r.opa.closed.stats.throughput))}x, max sustained ${f2(ratio(r.regent.sustained, r.opa.sustained))}x, CPU per decision ${f2(ratio(r.regent.closed.cpuPer1k, r.opa.closed.cpuPer1k))}x, peak RSS ${f2(ratio(r.regent.peakRssMiB, r.opa.peakRssMiB))}x. Peak RSS is VmHWM summed over each server's process tree.`,
    '',
  );

  out.push(
    `## Latency at fixed open-loop rates (${r.fixedBase})`,
    '',
    `Each rate runs ${r.fixed[0]?.regentP99s?.length ?? 1} time(s) per server, OPA and regent alternating; each row is the run with the median p99, and "p99 of each run" lists them all in the order run (on a shared machine one preempted run can set a p99 on its own). Errors include regent's fail-closed denials (counted from its regent_fail_closed_total around each run): a 200 to the load generator, but not a policy answer. Throughputs everywhere leave them out.`,
    '',
  );
  out.push(
    '| Server @ share of OPA max | Offered /s | Answered /s | p50 ms | p90 ms | p99 ms | p99 of each run | p99.9 ms | max ms | Errors | CPU s per 1k |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of r.fixed) {
    out.push(latencyRow(`OPA @ ${f0(row.fraction * 100)}%`, row.opa, row.rate, row.opaP99s));
    out.push(latencyRow(`regent @ ${f0(row.fraction * 100)}%`, row.regent, row.rate, row.regentP99s));
  }
  out.push('', `regent's counters after these runs: ${r.regentCounters}`, '');

  out.push('## What each regent feature costs', '');
  out.push(
    `Each variant starts fresh, is warmed up, runs closed loop (${b.connections} connections) for one step, then open loop at ${f0(r.variantRate)}/s (half of OPA's maximum, the p99 goal's rate) for one step. Costs are relative to the default: "CPU" is the share of the default's CPU seconds per decision the feature takes (on a dedicated core, the throughput it takes), "throughput" the share of answered decisions per second lost (noisy on a busy machine; the only measure for waits that use no CPU, such as the audit trail's fdatasync). ` +
      'regent has no switch for metrics: the "no metrics" variants preload bench/lib/no-metrics.ts, which swaps prom-client for no-op metrics (so their fail-closed denials cannot be counted). Decision records go to stdout, which is /dev/null here (a pipe to a log shipper costs more).',
    '',
    `| Variant | Max /s | CPU s per 1k | Cost: CPU | Cost: throughput | p50 ms @ ${f0(r.variantRate)}/s | p99 ms @ ${f0(r.variantRate)}/s |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const v of r.variants) {
    if (v.result === undefined) {
      out.push(`| ${v.server} ${v.name} | failed: ${v.error ?? ''} | | | | | |`);
      continue;
    }
    const m = v.result;
    let costs = ' | |';
    if (v.server === 'regent' && v.name === 'default') {
      const off = variant('all off');
      costs = ` | all three: ${pct(off === undefined ? NaN : 1 - off.cpuPer1k / m.cpuPer1k)} | all three: ${pct(off === undefined ? NaN : 1 - m.stats.throughput / off.stats.throughput)}`;
    } else if (v.server === 'regent' && v.name !== 'all off') costs = ` | ${pct(cpuCost(m))} | ${pct(tputCost(m))}`;
    const open = v.open === undefined ? ' | n/a | n/a' : ` | ${ms(v.open.stats.p50)} | ${ms(v.open.stats.p99)}`;
    out.push(`| ${v.server} ${v.name} | ${f0(m.stats.throughput)} | ${f2(m.cpuPer1k)}${costs}${open} |`);
  }
  out.push('');

  out.push('## In-process evaluation per decision', '');
  out.push(
    "regent: src/policy/wasm-engine.ts with regent's host builtins; `evaluate` on ready JSON bytes, and from an object (JSON.stringify + encode + evaluate, what a decision pays). OPA: `opa bench -b <rego bundle> -i <input> data.regent.decision` (ns/op of a prepared query on a parsed input). Both pinned to the server CPU.",
    '',
    '| Input | regent evaluate µs | regent from object µs | opa bench µs | OPA/regent |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const e of r.evaluation) {
    out.push(
      `| ${e.note} | ${f1(e.regentEvaluateUs)} | ${f1(e.regentFromObjectUs)} | ${f1(e.opaBenchUs)} | ${f1(ratio(e.opaBenchUs, e.regentFromObjectUs))}x |`,
    );
  }
  out.push(
    `| **mean** | ${f1(mean(r.evaluation.map((e) => e.regentEvaluateUs)))} | ${f1(regentEval)} | ${f1(opaEval)} | ${f1(ratio(opaEval, regentEval))}x |`,
    '',
  );

  out.push(...batchSection(r, regentEval));
  out.push("## Where regent's CPU time goes", '', r.profile ?? 'No profile taken (BENCH_PROFILE=0, or it failed).', '');

  out.push('## Sweep steps', '');
  out.push(
    '| Server | Target /s | Answered /s | p50 ms | p99 ms | p99.9 ms | Errors | CPU s per 1k | Result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const s of [r.opa, r.regent]) {
    for (const step of s.steps) {
      const st = step.result.stats;
      out.push(
        `| ${s.name} | ${f0(step.rate)} | ${f0(st.throughput)} | ${ms(st.p50)} | ${ms(st.p99)} | ${ms(st.p999)} | ${(st.errorRate * 100).toFixed(2)}% | ${f2(step.result.cpuPer1k)} | ${step.pass ? 'sustained' : step.why} |`,
      );
    }
  }
  out.push('');
  return out.join('\n');
}
