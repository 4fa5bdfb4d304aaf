/**
 * Batch vs single decisions, per core: the same inputs sent as single `POST /v1/decisions`
 * requests and as `POST /v1/decisions/batch` requests, against one real regent process with its
 * defaults except the decision log (off unless REGENT_DECISION_LOG=true; `make bench` measures
 * regent fully as shipped, pinned to one core, on the 22-entry corpus). Reports regent's CPU
 * seconds per 1,000 decisions for each (from /proc, so a busy machine barely moves it), the HTTP
 * thread's share of them, decisions per CPU-second, and the ratio.
 *
 *   node bench/batch.ts [--decisions 20000] [--batch 100] [--concurrency 16] [--batch-concurrency 4]
 *                       [--server-cpus LIST] [--profile DIR]
 *
 * --server-cpus pins every regent thread to a taskset CPU list (one evaluation worker per CPU in
 * it), as `make bench` does; run the script itself elsewhere (`taskset -c 0 node bench/batch.ts`).
 *
 * With --profile, regent runs under `node --cpu-prof` (a profile per thread in DIR, written when it
 * stops) and only the batch mode is measured; `node bench/profile-summary.ts DIR/*.cpuprofile`
 * shows where a batched decision's time goes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLES } from '../test/fixtures/examples.ts';
import { startRegentProcess } from '../test/support/regent-process.ts';
import { compareBatch } from './lib/batch.ts';
import { buildBenchPolicy } from './lib/policy.ts';
import { cpuCount } from './lib/settings.ts';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    'batch-concurrency': { type: 'string', default: '4' },
    'server-cpus': { type: 'string' },
    profile: { type: 'string' },
  },
});
const serverCpus = values['server-cpus'];
const total = Number(values.decisions);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);

const corpus = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact];
const dir = await mkdtemp(path.join(tmpdir(), 'regent-batch-'));
// The benchmark's policy (activity limits lifted): with the shipped ones, a looped deny turns
// every later decision into a denial-streak deny.
const { wasmBundle: bundle } = await buildBenchPolicy(path.join(dir, 'policy'));
const regent = await startRegentProcess({
  REGENT_BUNDLE: bundle,
  REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
  REGENT_MAX_BATCH: String(batchSize),
  REGENT_DECISION_LOG: process.env['REGENT_DECISION_LOG'] ?? 'false',
  ...(serverCpus === undefined ? {} : { REGENT_EVAL_WORKERS: String(cpuCount(serverCpus)) }),
  ...(values.profile === undefined
    ? {}
    : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(values.profile)}` }),
});
if (serverCpus !== undefined)
  execFileSync('taskset', ['-a', '-p', '-c', serverCpus, String(regent.child.pid)], { stdio: 'ignore' });
try {
  const { single, batch } = await compareBatch({
    url: regent.url,
    pid: regent.child.pid!,
    bodies: corpus.map((c) => JSON.stringify(c)),
    total,
    batchSize,
    concurrency: { single: concurrency, batch: Number(values['batch-concurrency']) },
    batchOnly: values.profile !== undefined,
  });
  console.log(
    `| Mode | Decisions | regent CPU s per 1k | of which HTTP thread | Decisions per regent CPU-second | Decisions/s (wall) | HTTP-thread bound /s |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of single === undefined ? [batch] : [single, batch]) {
    const http = r.httpThreadPer1k ?? NaN;
    console.log(
      `| ${r.label} | ${r.decisions} | ${r.cpuPer1k.toFixed(3)} | ${http.toFixed(3)} | ${r.perCpuSecond.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${(1000 / http).toFixed(0)} |`,
    );
  }
  if (single !== undefined)
    console.log(
      `\nbatch / single, decisions per CPU-second: ${(batch.perCpuSecond / single.perCpuSecond).toFixed(2)}x (goal: 10x)`,
    );
} finally {
  await regent.stop();
  await rm(dir, { recursive: true, force: true });
}
