/**
 * `make bench`: regent against `opa run --server` on the same policy, side by side, in one run.
 * Builds the benchmark's policy (rego/ with its activity limits lifted, bench/lib/policy.ts) as
 * regent's wasm bundle and OPA's rego bundle of the same source, checks that both answer every
 * corpus entry as the corpus says (again after the load), then measures in-process evaluation,
 * the closed-loop maximum, an open-loop sweep, fixed-rate latency, CPU per decision and peak RSS,
 * what each regent feature costs, and where regent's CPU time goes. Writes bench/RESULTS.md.
 * Settings: bench/lib/settings.ts (BENCH_SECONDS, BENCH_STEP_SECONDS, ...); see bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readBundle } from '../src/policy/bundle/read-bundle.ts';
import { readCorpus, type CorpusEntry } from './corpus/corpus.ts';
import { policyInputs } from './corpus/policy-input.ts';
import { machineFacts } from './lib/context.ts';
import { Measurer } from './lib/measure.ts';
import { buildBenchPolicy } from './lib/policy.ts';
import { DEFAULT_REGENT, batchPhase, evaluationCost, profileRegent, variantCosts } from './lib/phases.ts';
import { cpuSeconds, machineBusySeconds, peakRssMiB, selfAndChildrenSeconds } from './lib/proc.ts';
import {
  medianByP99,
  renderReport,
  type BenchResults,
  type FixedRow,
  type Measured,
  type ServerMax,
  type VariantRow,
} from './lib/report.ts';
import { failClosedByCode, startOpa, startRegent, type RunningServer } from './lib/servers.ts';
import { readSettings } from './lib/settings.ts';
import { verifyAgreement } from './lib/verify.ts';

const s = readSettings();

// `node bench/run.ts --render` rewrites RESULTS.md from the last run's results.json, without load.
if (process.argv.includes('--render')) {
  const last = JSON.parse(readFileSync(path.join(s.outDir, 'results.json'), 'utf8')) as BenchResults;
  writeFileSync(s.resultsFile, renderReport(last) + keptSections());
  console.error(`rewrote ${path.relative(s.root, s.resultsFile)} from ${path.relative(s.root, s.outDir)}/results.json`);
  process.exit(0);
}
const startedAt = new Date();
const log = (msg: string) => {
  console.error(`[bench ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
};

for (const [what, file] of [
  ['OPA (make tools)', s.opaBin],
  ['vegeta (make bench builds it)', s.vegetaBin],
] as const) {
  if (!existsSync(file)) throw new Error(`missing ${what}: ${file}`);
}
rmSync(path.join(s.outDir, 'runs'), { recursive: true, force: true });
mkdirSync(s.outDir, { recursive: true });

// The corpus, with OPA's inputs derived from regent's current code rather than trusted from disk.
const committed = readCorpus();
const fresh = policyInputs(committed.map((e) => e.request));
const stale = committed.some((e, i) => !isDeepStrictEqual(e.input, fresh[i]));
if (stale) log('warning: bench/corpus/corpus.json differs from what regent builds now; using the fresh inputs');
const corpus: CorpusEntry[] = committed.map((e, i) => ({ ...e, input: fresh[i]! }));
const mix: Record<string, number> = {};
for (const e of corpus) mix[e.expected] = (mix[e.expected] ?? 0) + 1;

// The policy both servers run: rego/ with its activity limits lifted (bench/lib/policy.ts says
// why), regent's wasm bundle and OPA's rego bundle (tests and docs left out, as make bundles
// does) built from the same copy, with regent's revision.
const policy = await buildBenchPolicy(path.join(s.outDir, 'policy'));
s.regentBundle = policy.wasmBundle;
log(`built ${path.relative(s.root, policy.wasmBundle)} from rego/ with its activity limits lifted`);
const opaBundle = path.join(s.outDir, 'opa-bundle.tar.gz');
const revision = (await readBundle(readFileSync(s.regentBundle))).manifest.revision;
const build = [
  'build',
  '-b',
  '--ignore',
  '*_test.rego',
  '--ignore',
  '*.md',
  '--revision',
  revision,
  '-o',
  opaBundle,
  policy.source,
];
execFileSync(s.opaBin, build, { cwd: s.root, stdio: ['ignore', 'ignore', 'inherit'] });
log(`built ${path.relative(s.root, opaBundle)} from the same source (revision ${revision})`);

const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const evaluation = evaluationCost(s, corpus, opaBundle, log);
const measurer = new Measurer(s, corpus, log);

// --- Head to head: both servers up, every measurement interleaved -------------------------------
log(`starting OPA and regent (production defaults) on CPU ${s.serverCpus || '(any)'}`);
const opa = await startOpa(s, { name: 'default', decisionLog: false }, opaBundle);
let regent: RunningServer | undefined;
let head: {
  opa: ServerMax;
  regent: ServerMax;
  fixed: FixedRow[];
  fixedBase: string;
  /** OPA's maximum the fixed rates are fractions of. */
  fixedRate: number;
  counters: string;
  backgroundCores: number;
};
try {
  regent = await startRegent(s, DEFAULT_REGENT);
  const servers = [opa, regent];
  const wall0 = Date.now();
  const machine0 = machineBusySeconds();
  const ours = () => cpuSeconds(opa.pid) + cpuSeconds(regent!.pid) + selfAndChildrenSeconds();
  const ours0 = ours();

  for (const server of servers) await measurer.warmUp(server);
  await requireAgreement(servers, 'before the load', 'the servers would be timed on different decisions');

  const maxima: ServerMax[] = [];
  for (const server of servers) {
    const closed = await measurer.closed(server, `${server.name}-closed`);
    maxima.push({ name: server.name, closed, steps: [], sustained: 0, atGoal: 0, peakRssMiB: 0 });
  }
  await measurer.sweep(servers, maxima);
  const [opaMax, regentMax] = maxima as [ServerMax, ServerMax];

  // Fixed rates are fractions of OPA's maximum, the same absolute rates for both servers.
  const base = opaMax.sustained > 0 ? opaMax.sustained : opaMax.closed.stats.throughput;
  const fixedBase =
    opaMax.sustained > 0
      ? `fractions of OPA's max sustained ${base.toFixed(0)}/s`
      : `fractions of OPA's closed-loop max ${base.toFixed(0)}/s, as no sweep step of OPA passed`;
  const fixed: FixedRow[] = [];
  for (const fraction of s.fixed) {
    const rate = fraction * base;
    const opaRuns: Measured[] = [];
    const regentRuns: Measured[] = [];
    for (let run = 1; run <= s.repeats; run++) {
      if (fraction <= 1)
        opaRuns.push(await measurer.measure(opa, { kind: 'open', rate }, s.seconds, `OPA-fixed-${fraction}-${run}`));
      regentRuns.push(
        await measurer.measure(regent, { kind: 'open', rate }, s.seconds, `regent-fixed-${fraction}-${run}`),
      );
    }
    const opaRun = medianByP99(opaRuns);
    const regentRun = medianByP99(regentRuns)!;
    // The median run regent sustains within the goal's p99 counts towards "max with p99 < goal".
    measurer.credit(regentMax, regentRun, rate);
    if (opaRun !== undefined) measurer.credit(opaMax, opaRun, rate);
    fixed.push({
      fraction,
      rate,
      opa: opaRun,
      regent: regentRun,
      opaP99s: opaRuns.map((m) => m.stats.p99),
      regentP99s: regentRuns.map((m) => m.stats.p99),
      regentAtGoal: measurer.judge(regentRun, rate, s.goalP99Ms).pass,
    });
  }
  opaMax.peakRssMiB = peakRssMiB(opa.pid);
  regentMax.peakRssMiB = peakRssMiB(regent.pid);
  // After minutes of load both must still answer as the corpus says: nothing regent keeps
  // between decisions (activity windows, caches) may have changed what it was being timed on.
  await requireAgreement(servers, 'after the load', 'the runs timed other decisions');
  const counters = await (await fetch(`${regent.url}/metrics`)).text();
  const wall = (Date.now() - wall0) / 1000;
  const backgroundCores = Math.max(0, (machineBusySeconds() - machine0 - (ours() - ours0)) / wall);
  head = {
    opa: opaMax,
    regent: regentMax,
    fixed,
    fixedBase,
    fixedRate: base,
    counters: regentCounters(counters),
    backgroundCores,
  };
} finally {
  await opa.stop();
  await regent?.stop();
}

// Variant latency is taken at the rate of the p99 goal: half of OPA's maximum.
const variantRate = 0.5 * head.fixedRate;
const variants: VariantRow[] = s.variants ? await variantCosts(s, measurer, opaBundle, variantRate, log) : [];
const profile = s.profile ? await profileRegent(s, measurer, log) : undefined;
const batch = s.batchDecisions > 0 ? await batchPhase(s, measurer, corpus, log) : undefined;

const results: BenchResults = {
  context: {
    ...machineFacts(s),
    date: startedAt.toISOString(),
    serverCpus: s.serverCpus,
    loadgenCpus: s.loadgenCpus,
    loadBefore,
    loadAfter: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    backgroundCores: head.backgroundCores,
    settings: {
      BENCH_SECONDS: String(s.seconds),
      BENCH_STEP_SECONDS: String(s.stepSeconds),
      BENCH_WARMUP_SECONDS: String(s.warmupSeconds),
      BENCH_CONNECTIONS: String(s.connections),
      BENCH_P99_BOUND_MS: String(s.p99BoundMs),
      BENCH_REPEATS: String(s.repeats),
      BENCH_BATCH_DECISIONS: String(s.batchDecisions),
    },
    corpus: { entries: corpus.length, mix, stale },
    elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
  },
  opa: head.opa,
  regent: head.regent,
  fixed: head.fixed,
  fixedBase: head.fixedBase,
  variantRate,
  variants,
  evaluation,
  regentCounters: head.counters,
  profile,
  batch,
  settings: {
    connections: s.connections,
    p99BoundMs: s.p99BoundMs,
    goalP99Ms: s.goalP99Ms,
    maxErrorRate: s.maxErrorRate,
  },
};
// results.json first: if rendering fails, `node bench/run.ts --render` can redo it without load.
writeFileSync(path.join(s.outDir, 'results.json'), JSON.stringify(results, null, 2));
const markdown = renderReport(results);
writeFileSync(s.resultsFile, markdown + keptSections());
console.log(markdown);
log(`wrote ${path.relative(s.root, s.resultsFile)}`);

/**
 * Sections of the current RESULTS.md that another command measured (bench/cpu-profile.ts writes
 * none itself; its figures are copied in by hand): kept, from their heading to the end of the
 * file, when this run rewrites the rest.
 */
function keptSections(): string {
  const text = existsSync(s.resultsFile) ? readFileSync(s.resultsFile, 'utf8') : '';
  const at = text.indexOf('\n## CPU per decision by stage');
  return at < 0 ? '' : `\n${text.slice(at).trimEnd()}\n`;
}

/** Every corpus entry to every server; throws, listing each disagreement, unless all answer as the corpus says. */
async function requireAgreement(servers: readonly RunningServer[], when: string, consequence: string): Promise<void> {
  const wrong = await verifyAgreement(servers, corpus);
  if (wrong.length > 0) {
    for (const w of wrong)
      console.error(`disagreement ${when}: ${w.note}\n  expected ${w.expected}\n  got ${JSON.stringify(w.answers)}`);
    throw new Error(`${wrong.length} corpus entries got different answers ${when}: ${consequence}`);
  }
  log(`${when}, both servers agree with the corpus on all ${corpus.length} entries`);
}

/** regent's decision and fail-closed counters, to show the load got policy answers, not failures. */
function regentCounters(text: string): string {
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
  const outcomes = ['allow', 'deny', 'redact'].map(
    (d) => `${d} ${sum(new RegExp(`^regent_decisions_total\\{decision="${d}"\\} (\\S+)`, 'gm'))}`,
  );
  const failed = [...failClosedByCode(text)].filter(([, n]) => n > 0).map(([code, n]) => `${code} ${n}`);
  if (failed.length === 0) return `${outcomes.join(', ')}; no fail-closed denials.`;
  return `${outcomes.join(', ')}; fail-closed denials **${failed.join(', ')}**: those decisions were failures, not policy answers.`;
}
