/**
 * Batch vs single decisions, per core: the same inputs sent as single `POST /v1/decisions`
 * requests and as `POST /v1/decisions/batch` requests, against one real regent process with its
 * defaults. Reports regent's CPU seconds per 1,000 decisions for each (from /proc, so a busy
 * machine barely moves it) and decisions per CPU-second, and the ratio.
 *
 *   node bench/batch.ts [--decisions 20000] [--batch 100] [--concurrency 16] [--profile DIR]
 *
 * With --profile, regent runs under `node --cpu-prof` (a profile per thread in DIR, written when it
 * stops) and only the batch mode is measured; `node bench/profile-summary.ts DIR/*.cpuprofile`
 * shows where a batched decision's time goes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCapabilities } from '../src/policy/capabilities.ts';
import { buildBundle } from '../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../test/fixtures/examples.ts';
import { startRegentProcess } from '../test/support/regent-process.ts';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    profile: { type: 'string' },
  },
});
const total = Number(values.decisions);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);

/** CPU seconds (user + system) of a process and its threads, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const corpus = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact];
const dir = await mkdtemp(path.join(tmpdir(), 'regent-batch-'));
const bundle = path.join(dir, 'regent.tar.gz');
await buildBundle({
  sourceDir: path.join(REPO_ROOT, 'rego'),
  outFile: bundle,
  capabilities: await buildCapabilities(opaBinary()),
});
const regent = await startRegentProcess({
  REGENT_BUNDLE: bundle,
  REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
  REGENT_MAX_BATCH: String(batchSize),
  REGENT_DECISION_LOG: 'false',
  ...(values.profile === undefined
    ? {}
    : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(values.profile)}` }),
});
const pid = regent.child.pid!;

/** Sum of regent_fail_closed_total: decisions denied by a failure (timeout, full queue), not by policy. */
async function failClosed(): Promise<Map<string, number>> {
  const text = await (await fetch(`${regent.url}/metrics`)).text();
  return new Map(
    [...text.matchAll(/^regent_fail_closed_total\{code="([^"]*)"\} (\S+)$/gm)].map((m): [string, number] => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

async function run(label: string, requests: number, body: (i: number) => string, url: string, perRequest: number) {
  let next = 0;
  const post = async () => {
    while (next < requests) {
      const i = next++;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) });
      if (res.status !== 200) throw new Error(`${label}: status ${res.status}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 4 }, post)); // warm-up share
  next = 0;
  const failed0 = await failClosed();
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, post));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const decisions = requests * perRequest;
  // A fail-closed deny is an answer but not a decision: counting it would flatter the mode.
  const failed = [...(await failClosed())]
    .map(([code, n]): [string, number] => [code, n - (failed0.get(code) ?? 0)])
    .filter(([, n]) => n > 0);
  if (failed.length > 0) {
    const what = failed.map(([code, n]) => `${n} ${code}`).join(', ');
    throw new Error(`${label}: of ${decisions} decisions, ${what} failed closed; not a valid measurement`);
  }
  return {
    label,
    decisions,
    seconds,
    cpu,
    cpuPer1k: (cpu / decisions) * 1000,
    perCpuSecond: decisions / cpu,
    perSecond: decisions / seconds,
  };
}

try {
  const profiling = values.profile !== undefined;
  const single = profiling
    ? undefined
    : await run('single', total, (i) => JSON.stringify(corpus[i % corpus.length]), `${regent.url}/v1/decisions`, 1);
  const batchBody = JSON.stringify({
    decisions: Array.from({ length: batchSize }, (_, i) => corpus[i % corpus.length]),
  });
  const batch = await run(
    `batch of ${batchSize}`,
    Math.ceil(total / batchSize),
    () => batchBody,
    `${regent.url}/v1/decisions/batch`,
    batchSize,
  );
  console.log(
    `| Mode | Decisions | regent CPU s per 1k | Decisions per regent CPU-second | Decisions/s (wall, ${concurrency} clients) |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of single === undefined ? [batch] : [single, batch]) {
    console.log(
      `| ${r.label} | ${r.decisions} | ${r.cpuPer1k.toFixed(3)} | ${r.perCpuSecond.toFixed(0)} | ${r.perSecond.toFixed(0)} |`,
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
