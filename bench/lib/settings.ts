/**
 * The benchmark's knobs, read once from the environment (BENCH_*), with defaults that keep
 * `make bench` to a few minutes. Defaults are chosen for a quiet 2-core machine: the servers
 * share one core, the load generator gets the other.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';

/** Every setting of one benchmark run. */
export interface BenchSettings {
  /** Seconds of each fixed-rate latency run (BENCH_SECONDS). */
  seconds: number;
  /** Seconds of each sweep step, closed-loop probe and variant run (BENCH_STEP_SECONDS). */
  stepSeconds: number;
  /** Seconds of load before anything is measured on a fresh server (BENCH_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Connections of the closed-loop runs (BENCH_CONNECTIONS). */
  connections: number;
  /**
   * A sweep step fails when its p99 passes this (BENCH_P99_BOUND_MS). It detects saturation (a
   * queue that grows for the whole step), not a latency target: the goal's bound is separate.
   */
  p99BoundMs: number;
  /** The goal's latency bound (BENCH_GOAL_P99_MS). */
  goalP99Ms: number;
  /** A step fails when more than this fraction of requests fail (BENCH_MAX_ERROR_RATE). */
  maxErrorRate: number;
  /** Sweep rates as fractions of the closed-loop maximum (BENCH_SWEEP, comma separated). */
  sweep: number[];
  /**
   * Fixed open-loop rates as fractions of OPA's maximum sustained rate (BENCH_FIXED, comma
   * separated). Fractions above 1 run on regent only: they test "as fast as OPA's maximum, or
   * faster, within the goal's p99", and would only pile up a queue in OPA.
   */
  fixed: number[];
  /**
   * Runs of each fixed rate per server, alternating servers (BENCH_REPEATS). The tables show the
   * run with the median p99: on a shared machine one preempted run can set a p99 on its own.
   */
  repeats: number;
  /** Decisions per mode in the batch-vs-single comparison (BENCH_BATCH_DECISIONS; 0 skips it). */
  batchDecisions: number;
  /** CPUs the servers may use, a taskset list, or '' when not pinned (BENCH_SERVER_CPUS). */
  serverCpus: string;
  /** CPUs of the load generator (BENCH_LOADGEN_CPUS). */
  loadgenCpus: string;
  /** Run the feature on/off variants (BENCH_VARIANTS=0 skips them). */
  variants: boolean;
  /** Take and summarise a CPU profile of regent (BENCH_PROFILE=0 skips it). */
  profile: boolean;
  /** Corpus entries given to `opa bench` and the in-process timing: 'all' or a count (BENCH_EVAL_INPUTS). */
  evalInputs: number;
  /** Where run artefacts go (BENCH_OUT): under var/, which git, eslint and prettier ignore. */
  outDir: string;
  /** The markdown report (BENCH_RESULTS). */
  resultsFile: string;
  /** Repository root. */
  root: string;
  /** The pinned binaries. */
  opaBin: string;
  vegetaBin: string;
  /**
   * The wasm bundle regent serves (REGENT_BUNDLE or bundles/regent.tar.gz); `make bench` (run.ts)
   * replaces it with the benchmark policy it builds (bench/lib/policy.ts).
   */
  regentBundle: string;
}

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
};

const list = (name: string, fallback: number[]): number[] => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((s) => {
    const v = Number(s.trim());
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a comma-separated list of positive numbers`);
    return v;
  });
};

function tasksetWorks(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Reads the settings; throws on a malformed value rather than benchmarking something else. */
export function readSettings(): BenchSettings {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const cpus = availableParallelism();
  // Pinning only means something with a core for each side; on one core both share it.
  const pin = cpus >= 2 && tasksetWorks();
  const evalRaw = process.env['BENCH_EVAL_INPUTS'] ?? 'all';
  return {
    seconds: num('BENCH_SECONDS', 10),
    stepSeconds: num('BENCH_STEP_SECONDS', 5),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 3),
    connections: Math.round(num('BENCH_CONNECTIONS', 32)),
    p99BoundMs: num('BENCH_P99_BOUND_MS', 100),
    goalP99Ms: num('BENCH_GOAL_P99_MS', 5),
    maxErrorRate: num('BENCH_MAX_ERROR_RATE', 0.001),
    sweep: list('BENCH_SWEEP', [0.5, 0.65, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5]),
    fixed: list('BENCH_FIXED', [0.25, 0.5, 0.8, 1.0, 1.5, 2.0]),
    repeats: Math.max(1, Math.round(num('BENCH_REPEATS', 3))),
    batchDecisions: Math.round(num('BENCH_BATCH_DECISIONS', 20_000)),
    serverCpus: process.env['BENCH_SERVER_CPUS'] ?? (pin ? String(cpus - 1) : ''),
    loadgenCpus: process.env['BENCH_LOADGEN_CPUS'] ?? (pin ? (cpus === 2 ? '0' : `0-${cpus - 2}`) : ''),
    variants: process.env['BENCH_VARIANTS'] !== '0',
    profile: process.env['BENCH_PROFILE'] !== '0',
    evalInputs: evalRaw === 'all' ? Infinity : num('BENCH_EVAL_INPUTS', Infinity),
    outDir: path.resolve(root, process.env['BENCH_OUT'] ?? 'var/bench'),
    resultsFile: path.resolve(root, process.env['BENCH_RESULTS'] ?? 'bench/RESULTS.md'),
    root,
    opaBin: process.env['OPA_BIN'] ?? path.join(root, '.tools', 'bin', 'opa'),
    vegetaBin: process.env['VEGETA_BIN'] ?? path.join(root, '.tools', 'bin', 'vegeta'),
    regentBundle: path.resolve(root, process.env['REGENT_BUNDLE'] ?? 'bundles/regent.tar.gz'),
  };
}

/** Prefixes a command with taskset when `cpus` is set, so the process and its threads stay there. */
export function pinned(cpus: string, command: string, args: string[]): [string, string[]] {
  return cpus === '' ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

/** Number of CPUs in a taskset list such as "1" or "0-2,5". */
export function cpuCount(list: string): number {
  if (list === '') return availableParallelism();
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  return n;
}
