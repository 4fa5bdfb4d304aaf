/**
 * The parts of a run that stand apart from the head-to-head HTTP comparison: in-process
 * evaluation cost against `opa bench`, the regent variants with one feature off at a time, the
 * CPU profile of regent under load, and batch against single decisions.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CorpusEntry } from '../corpus/corpus.ts';
import type { EvalCost } from '../eval-cost.ts';
import { summarise, toMarkdown, type CpuProfile } from '../profile-summary.ts';
import { compareBatch, type BatchComparison } from './batch.ts';
import type { Measurer } from './measure.ts';
import type { EvalRow, VariantRow } from './report.ts';
import { startOpa, startRegent, type OpaVariant, type RegentVariant, type RunningServer } from './servers.ts';
import { cpuCount, pinned, type BenchSettings } from './settings.ts';

/** regent with its production defaults. */
export const DEFAULT_REGENT: RegentVariant = { name: 'default', decisionLog: true, audit: true, metrics: true };

/** The regent configurations whose cost is measured, each against the default. */
export const REGENT_VARIANTS: readonly RegentVariant[] = [
  DEFAULT_REGENT,
  { name: 'no decision log', decisionLog: false, audit: true, metrics: true },
  { name: 'no audit', decisionLog: true, audit: false, metrics: true },
  { name: 'no metrics', decisionLog: true, audit: true, metrics: false },
  { name: 'no decision log, no metrics', decisionLog: false, audit: true, metrics: false },
  { name: 'all off', decisionLog: false, audit: false, metrics: false },
  // Not a feature: where evaluation runs. On one core the worker thread competes with HTTP.
  {
    name: 'evaluation in the HTTP thread',
    decisionLog: true,
    audit: true,
    metrics: true,
    env: { REGENT_EVAL_WORKERS: '0' },
  },
];

/** OPA with its console decision logger on, to compare like with like. */
const OPA_LOGGED: OpaVariant = { name: 'console decision log on', decisionLog: true };

/** regent's wasm engine (bench/eval-cost.ts) and `opa bench` on the same inputs, on the server CPU. */
export function evaluationCost(
  s: BenchSettings,
  corpus: readonly CorpusEntry[],
  opaBundle: string,
  log: (m: string) => void,
): EvalRow[] {
  const count = Math.min(corpus.length, s.evalInputs);
  const dir = path.join(s.outDir, 'eval');
  mkdirSync(dir, { recursive: true });
  const corpusFile = path.join(dir, 'corpus.json');
  writeFileSync(corpusFile, JSON.stringify(corpus));
  log(`in-process evaluation: regent's wasm engine on ${count} inputs`);
  const script = path.join(s.root, 'bench', 'eval-cost.ts');
  const [cmd, args] = pinned(s.serverCpus, process.execPath, [
    script,
    s.regentBundle,
    corpusFile,
    String(count),
    '300',
  ]);
  const regent = JSON.parse(execFileSync(cmd, args, { cwd: s.root, maxBuffer: 16 << 20 }).toString()) as EvalCost[];
  log(`in-process evaluation: opa bench on ${count} inputs (about 2 s each)`);
  return corpus.slice(0, count).map((entry, i) => {
    const inputFile = path.join(dir, `input-${i}.json`);
    writeFileSync(inputFile, JSON.stringify(entry.input));
    const query = ['bench', '-b', opaBundle, '-i', inputFile, '-f', 'json', '--count', '1', 'data.regent.decision'];
    const [ocmd, oargs] = pinned(s.serverCpus, s.opaBin, query);
    const env = { ...process.env, GOMAXPROCS: '1' };
    const bench = JSON.parse(execFileSync(ocmd, oargs, { env, maxBuffer: 16 << 20 }).toString()) as {
      N: number;
      T: number;
    };
    return {
      note: entry.note,
      regentEvaluateUs: regent[i]!.evaluateUs,
      regentFromObjectUs: regent[i]!.fromObjectUs,
      opaBenchUs: bench.T / bench.N / 1000,
    };
  });
}

/**
 * Each variant fresh, warmed up, then one closed-loop step (its maximum) and one open-loop step
 * at `rate` (its latency there). A variant that fails to start is reported, not fatal.
 */
export async function variantCosts(
  s: BenchSettings,
  m: Measurer,
  opaBundle: string,
  rate: number,
  log: (m: string) => void,
): Promise<VariantRow[]> {
  const rows: VariantRow[] = [];
  const all: (RegentVariant | OpaVariant)[] = [...REGENT_VARIANTS, OPA_LOGGED];
  for (const v of all) {
    const isOpa = v === OPA_LOGGED;
    const server_ = isOpa ? 'OPA' : 'regent';
    let server: RunningServer | undefined;
    try {
      server = isOpa ? await startOpa(s, v, opaBundle) : await startRegent(s, v as RegentVariant);
      await m.warmUp(server);
      const result = await m.closed(server, `${server.name}-variant`);
      const open = await m.measure(server, { kind: 'open', rate }, s.stepSeconds, `${server.name}-variant-open`);
      rows.push({ name: v.name, server: server_, result, open });
    } catch (err) {
      const message = (err as Error).message;
      log(`variant ${v.name} failed: ${message}`);
      rows.push({ name: v.name, server: server_, result: undefined, open: undefined, error: message.split('\n')[0]! });
    } finally {
      await server?.stop();
    }
  }
  return rows;
}

/** Profiles regent (defaults) under closed-loop load; returns the markdown summary, or undefined. */
export async function profileRegent(
  s: BenchSettings,
  m: Measurer,
  log: (m: string) => void,
): Promise<string | undefined> {
  const dir = path.join(s.outDir, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const seconds = s.stepSeconds * 2;
  // The profiler samples wall-clock time per thread: with the evaluation worker on the same single
  // core, the HTTP thread's samples in postMessage would hold the worker's run time too. One thread
  // keeps the attribution honest; the hand-off itself is measured by a variant.
  const oneThread = cpuCount(s.serverCpus) === 1 && process.env['REGENT_EVAL_WORKERS'] === undefined;
  const env: Record<string, string> = oneThread ? { REGENT_EVAL_WORKERS: '0' } : {};
  const server = await startRegent(s, { ...DEFAULT_REGENT, name: 'profiled', cpuProfileDir: dir, env });
  // V8 stamps samples with the monotonic clock in microseconds, as process.hrtime does in nanoseconds.
  let window: { fromUs: number; toUs: number };
  try {
    await m.warmUp(server);
    const from = Number(process.hrtime.bigint() / 1000n);
    await m.closed(server, 'regent-profiled', seconds);
    window = { fromUs: from, toUs: Number(process.hrtime.bigint() / 1000n) };
  } finally {
    await server.stop();
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    log('no CPU profile was written (regent did not exit cleanly on SIGTERM)');
    return undefined;
  }
  const profiles = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
  const summary = summarise(profiles, window);
  return (
    `regent (production defaults${oneThread ? ', but REGENT_EVAL_WORKERS=0: evaluation in the HTTP thread, see below' : ''}) under closed-loop load (${s.connections} connections) for ${seconds} s, sampled by \`node --cpu-prof\`; only samples taken under that load count, from every JS thread. ` +
    `"On stack" counts a component whenever it appears anywhere on the sampled stack: at most what removing it would save. ` +
    `Samples are wall-clock: time a thread spent preempted (by the libuv pool writing the audit trail, by other processes on this shared machine) lands in the frame it was in. ` +
    (oneThread
      ? `With one server core, the evaluation worker and the HTTP thread take turns on it and the HTTP thread's samples in postMessage would hold the worker's run time too, so the profile runs evaluation in the HTTP thread; the cost of the hand-off is the "evaluation in the HTTP thread" variant above. `
      : '') +
    `Profiles: \`${path.relative(s.root, dir)}/\`; \`node bench/profile-summary.ts <files>\` prints a summary of them.\n\n` +
    toMarkdown(summary)
  );
}

/**
 * Batch vs single on regent as shipped (defaults, decision log and audit on), pinned like every
 * other regent run: the corpus's request bodies one per request, then 100 per batch request.
 */
export async function batchPhase(
  s: BenchSettings,
  m: Measurer,
  corpus: readonly CorpusEntry[],
  log: (m: string) => void,
): Promise<BatchComparison> {
  const server = await startRegent(s, { ...DEFAULT_REGENT, name: 'batch' });
  try {
    await m.warmUp(server);
    const result = await compareBatch({
      url: server.url,
      pid: server.pid,
      bodies: corpus.map((e) => JSON.stringify(e.request)),
      total: s.batchDecisions,
      batchSize: 100,
      concurrency: { single: 16, batch: 4 },
    });
    log(
      `batch: ${result.batch.perCpuSecond.toFixed(0)} vs single ${result.single?.perCpuSecond.toFixed(0) ?? '?'} decisions per CPU-second`,
    );
    return result;
  } finally {
    await server.stop();
  }
}
