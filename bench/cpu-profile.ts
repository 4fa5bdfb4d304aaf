/**
 * CPU per decision at production defaults (audit trail, metrics and decision log on), by stage.
 * Starts one real regent process (`node src/main.ts`, no REGENT_* setting but the bundle and the
 * audit path), drives single `POST /v1/decisions` of the README incident mix (allow, deny,
 * redact; or make bench's corpus with `--mix corpus`) over keep-alive HTTP, and reads regent's CPU from /proc: the whole process (HTTP
 * thread, evaluation workers, libuv and GC threads) and the HTTP thread alone. Several runs on one
 * warmed process; the median counts (a shared VM moves single runs).
 *
 *   node bench/cpu-profile.ts [--decisions 5000] [--runs 5] [--concurrency 8] [--profile DIR]
 *                             [--baseline DIR] [--server-cpus LIST] [--activity-limits lifted|shipped]
 *                             [--mix readme|corpus] [--floor] [--node-options STR] [--warmup N]
 *
 * --activity-limits: the shipped policy stops an agent after ten denials in its window, so with
 * the limits as shipped nearly every decision of a run is a denial-streak deny; `lifted` (the
 * default) raises them in a copy of rego/ so the mix is answered as the README says. The last
 * run's answers are printed either way.
 *
 * --server-cpus starts regent under `taskset -c LIST` (so it runs one evaluation worker per CPU in
 * it, as `make bench` does); run the script itself on the other CPU (`taskset -c 0 node ...`) and
 * the client's CPU stays out of regent's way, which steadies the figures on a small shared machine.
 *
 * With --baseline, a second regent runs from another checkout (`git worktree add DIR <commit>`,
 * with node_modules linked in) on that checkout's rego/ (limits as --activity-limits says), and the
 * runs alternate between the two, so a before/after comparison
 * comes from one command on one machine state.
 *
 * With --floor, two more servers run beside regent, pinned and driven the same way, the runs
 * alternating: bench/lib/http-floor-server.ts on express (express.json, res.json, no other
 * middleware) and on node:http alone, each answering a fixed decision-sized JSON. Their CPU per
 * request is the floor the named stack sets under any decision, whatever regent does.
 *
 * --node-options STR is given (as NODE_OPTIONS) to this tree's regent only: with --baseline at the
 * same commit, the alternating runs measure a runtime setting such as `--max-semi-space-size=64`.
 *
 * With --profile, a second regent runs under `node --cpu-prof` (a profile per thread in DIR) for
 * one more run, and the samples taken during that run are summed by stage: the nearest regent
 * folder or npm package on each sampled stack (walking from the leaf) names the stage, so
 * JSON.stringify called by the audit trail counts as audit. Profiler samples are wall-clock time
 * of JS threads and the profiler costs CPU itself: the stage figures are shares of sampled time
 * put in µs per decision, not /proc CPU, and they leave out the libuv pool (fdatasync, file writes).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../test/fixtures/examples.ts';
import { readCorpus } from './corpus/corpus.ts';
import { liftActivityLimits, shippedBundleWith } from '../test/support/bundles.ts';
import type { RegentProcess } from '../test/support/regent-process.ts';
import { spawn } from 'node:child_process';
import { cpuSeconds, mainThreadCpuSeconds, threadCpuSeconds, type ThreadCpu } from './lib/proc.ts';
import type { CpuProfile } from './profile-summary.ts';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    profile: { type: 'string' },
    baseline: { type: 'string' },
    'server-cpus': { type: 'string' },
    'activity-limits': { type: 'string', default: 'lifted' },
    mix: { type: 'string', default: 'readme' },
    floor: { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    warmup: { type: 'string' },
  },
});
if (values.mix !== 'readme' && values.mix !== 'corpus') throw new Error('--mix is readme or corpus');
if (values['activity-limits'] !== 'lifted' && values['activity-limits'] !== 'shipped')
  throw new Error('--activity-limits is lifted or shipped');
/**
 * The shipped policy stops an agent after ten denials in its activity window, and the README mix
 * has a deny in every three decisions: with the limits as shipped, nearly every decision of a run
 * is an `activity.denial_streak` deny (the deny path). `lifted` (the default) raises those limits
 * in a copy of rego/, so each decision is answered as the README says: allow, deny, redact.
 */
const LIFT_LIMITS = values['activity-limits'] === 'lifted';
const perRun = Number(values.decisions);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);
/**
 * Decisions each server answers before the first measured run. 20,000 by default: after 2,000 (the
 * old default) the first runs of a command measured 30-60% more CPU per decision than its last
 * ones, on both sides of an A/B and on the floor servers too, and V8's helper threads (GC, tiering)
 * took 42-66 µs per decision; after 30,000 the runs were level from the first and the helpers took
 * 8-12 µs (2026-12-07, bench corpus, one core).
 */
const warmup = Number(values.warmup ?? 20_000);
/**
 * `readme` (the default): the README's allow, deny and redact, small payloads. `corpus`: make
 * bench's 22 requests (bench/corpus), payloads up to about 10 KB, where detectors and redaction
 * weigh more.
 */
const bodies = (
  values.mix === 'corpus'
    ? readCorpus().map((e) => e.request)
    : [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact]
).map((c) => JSON.stringify(c));
const MIX = values.mix === 'corpus' ? 'bench corpus' : 'README mix';

/** Answers of the last {@link drive}, by decision and first reason code. */
const outcomes = new Map<string, number>();

/** Sends `n` decisions by `concurrency` keep-alive clients; every answer must be a 200. */
async function drive(url: string, n: number): Promise<void> {
  outcomes.clear();
  let next = 0;
  const client = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${url}/v1/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[i % bodies.length]!,
      });
      if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
      const answer = (await res.json()) as { decision: string; reasons: { code: string }[] };
      const key = `${answer.decision}${answer.reasons[0] === undefined ? '' : ` ${answer.reasons[0].code}`}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

interface Run {
  /** µs of regent CPU per decision, whole process and HTTP thread. */
  total: number;
  http: number;
  /** µs per decision by kind of thread (threads that ended during the run are left out). */
  threads: ThreadCpu;
  /** Monotonic-clock window of the run in µs (comparable with --cpu-prof timestamps). */
  fromUs: number;
  toUs: number;
}

async function measureRun(regent: RegentProcess): Promise<Run> {
  const pid = regent.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const main0 = mainThreadCpuSeconds(pid);
  const threads0 = threadCpuSeconds(pid);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  await drive(regent.url, perRun);
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const threads1 = threadCpuSeconds(pid);
  const perDecision = (k: keyof ThreadCpu) => ((threads1[k] - threads0[k]) / perRun) * 1e6;
  return {
    total: ((cpuSeconds(pid) - cpu0) / perRun) * 1e6,
    http: ((mainThreadCpuSeconds(pid) - main0) / perRun) * 1e6,
    threads: {
      main: perDecision('main'),
      workers: perDecision('workers'),
      libuv: perDecision('libuv'),
      v8: perDecision('v8'),
      other: perDecision('other'),
    },
    fromUs,
    toUs,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The stage a frame names, or undefined for frames that do not (Node internals, V8 builtins). */
export function stageOf(url: string, functionName: string): string | undefined {
  if (url.startsWith('wasm://') || /^(\$|wasm-function)/.test(functionName)) return 'evaluation: policy wasm';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg !== undefined) {
    if (pkg === 'ajv') return 'body parse + validation';
    if (['body-parser', 'raw-body', 'iconv-lite', 'content-type', 'type-is', 'bytes'].includes(pkg))
      return 'body parse + validation';
    if (pkg === 'prom-client' || pkg === 'tdigest' || pkg === 'bintrees') return 'metrics';
    if (
      [
        'winston',
        'logform',
        'safe-stable-stringify',
        'winston-transport',
        'readable-stream',
        'colors',
        '@colors/colors',
        'triple-beam',
        'fecha',
      ].includes(pkg)
    )
      return 'logging + decision log';
    if (pkg === 'libphonenumber-js') return 'input building + detectors + redaction';
    return 'HTTP: express, router, node http';
  }
  const src = /\/src\/(.+)$/.exec(url)?.[1];
  if (src === undefined) return undefined;
  if (src.startsWith('policy/'))
    return src.startsWith('policy/evaluator/') ? 'evaluation: hand-off and queue' : 'evaluation: engine (JS)';
  if (src.startsWith('audit/')) return 'audit: records, hashing, write';
  if (src.startsWith('flow/')) return 'session + activity stores';
  if (/^(catalogue|identity|integrity|security|approvals)\//.test(src)) return 'catalogue + trust resolution';
  if (src.startsWith('decision/redaction/') || src === 'decision/build-input.ts' || src === 'decision/policy-result.ts')
    return 'input building + detectors + redaction';
  if (src.startsWith('observability/decision-logs/') || src === 'observability/logger.ts')
    return 'logging + decision log';
  if (src.startsWith('observability/')) return src.includes('metrics') ? 'metrics' : 'tracing/telemetry';
  if (
    src === 'http/validation.ts' ||
    src === 'decision/decision-request.ts' ||
    /^http\/middleware\/(json-body|duplicate-keys|well-formed-strings|body-limit)/.test(src)
  )
    return 'body parse + validation';
  if (src.startsWith('http/')) return 'HTTP: express, router, node http';
  if (src.startsWith('decision/')) return 'decision service (other)';
  return `regent src/${src.split('/')[0]}`;
}

/**
 * Native calls that hand work to another thread: a message to an evaluation worker, a file write
 * queued to libuv's pool. On a server pinned to one core the kernel often runs the woken thread at
 * once, and the wall-clock sampler then charges that thread's run to the caller's frame (in one
 * profile, 34% of the HTTP thread's busy samples, while /proc put its CPU at about two thirds of
 * what was sampled). Kept in a row of their own so the other rows read as CPU.
 */
const HAND_OFF_FRAMES = new Set(['postMessage', 'writeBuffer', 'writeBuffers', 'writeString', 'fdatasync', 'fsync']);
const HAND_OFF_STAGE = 'native hand-off calls (include the woken thread on one core)';

/** Sampled ms per stage over the profiles' samples inside [fromUs, toUs], added to `out`. */
export function byStage(
  profiles: readonly CpuProfile[],
  fromUs: number,
  toUs: number,
  out = new Map<string, number>(),
): Map<string, number> {
  for (const p of profiles) {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const cache = new Map<number, string>();
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (t < fromUs || t > toUs) continue;
      const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
      const leafId = p.samples[i]!;
      let stage = cache.get(leafId);
      if (stage === undefined) {
        const leaf = byId.get(leafId)!.callFrame;
        if (leaf.functionName === '(idle)') stage = '(idle)';
        else if (leaf.functionName === '(garbage collector)') stage = 'V8 garbage collector';
        else if (leaf.functionName === '(program)') stage = 'V8/native (program)';
        else if (leaf.url === '' && HAND_OFF_FRAMES.has(leaf.functionName)) stage = HAND_OFF_STAGE;
        else {
          for (let id: number | undefined = leafId; id !== undefined && stage === undefined; id = parent.get(id)) {
            const f = byId.get(id)!.callFrame;
            stage = stageOf(f.url, f.functionName);
          }
          stage ??=
            /node:(internal\/)?(_http|net|stream|http)/.test(leaf.url) || leaf.url === ''
              ? 'HTTP: express, router, node http'
              : 'Node runtime (other)';
        }
        cache.set(leafId, stage);
      }
      out.set(stage, (out.get(stage) ?? 0) + dt);
    }
  }
  return out;
}

const dir = await mkdtemp(path.join(tmpdir(), 'regent-cpu-'));
const editConfig = (config: Record<string, unknown>) => {
  if (LIFT_LIMITS) liftActivityLimits(config);
};
const bundle = await shippedBundleWith(dir, editConfig);
/** The baseline runs its own checkout's policy, so a change to rego/ is measured too. */
const baselineBundle =
  values.baseline === undefined
    ? bundle
    : await shippedBundleWith(path.join(dir, 'baseline-policy'), editConfig, path.resolve(values.baseline));

/**
 * Starts `argv` (under `taskset -c <--server-cpus>` when given); resolves once `portOf` finds the
 * port in what it has printed, after which its stdout is drained, not kept.
 */
function startServer(
  argv: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  portOf: (text: string) => string | undefined,
  name: string,
): Promise<RegentProcess> {
  const cpus = values['server-cpus'];
  const [command, ...args] = cpus === undefined ? argv : ['taskset', '-c', cpus, ...argv];
  const child = spawn(command!, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('utf8');
      const port = portOf(text);
      if (port === undefined) return;
      // From here on stdout is regent's decision log and request logs: drained, not kept.
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({
        url: `http://127.0.0.1:${port}`,
        child,
        output: () => text,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
}

/** Starts `node <root>/src/main.ts` with its defaults but the bundle and audit path; resolves once it listens. */
function startRegent(root: string, env: Record<string, string>): Promise<RegentProcess> {
  return startServer(
    [process.execPath, path.join(root, 'src/main.ts')],
    {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', OPA_BIN: process.env['OPA_BIN'] ?? '', REGENT_PORT: '0', ...env },
    },
    (text) => {
      const m = /"message":"regent listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"regent listening"/.exec(
        text,
      );
      return m === null ? undefined : (m[1] ?? m[2]);
    },
    `regent at ${root}`,
  );
}

/** Starts bench/lib/http-floor-server.ts in `mode` under the same taskset as regent; resolves once it listens. */
function startFloor(mode: 'express' | 'node'): Promise<RegentProcess> {
  return startServer(
    [process.execPath, path.join(REPO_ROOT, 'bench/lib/http-floor-server.ts'), mode],
    {},
    (text) => /"port":(\d+)/.exec(text)?.[1],
    `floor server (${mode})`,
  );
}

async function withRegent<T>(
  name: string,
  env: Record<string, string>,
  f: (r: RegentProcess) => Promise<T>,
  root = REPO_ROOT,
): Promise<T> {
  const ours = root === REPO_ROOT;
  const nodeOptions = values['node-options'];
  const regent = await startRegent(root, {
    REGENT_BUNDLE: ours ? bundle : baselineBundle,
    ...(ours && nodeOptions !== undefined ? { NODE_OPTIONS: nodeOptions } : {}),
    REGENT_AUDIT_PATH: path.join(dir, `${name}-trail.jsonl`),
    ...env,
  });
  try {
    await drive(regent.url, warmup); // warm-up: JIT, wasm instances, pools, heap sizing
    return await f(regent);
  } finally {
    await regent.stop();
  }
}

try {
  console.log(
    `${runs} runs of ${perRun} decisions (${MIX}), ${concurrency} keep-alive clients, production defaults, policy activity limits ${values['activity-limits']}${values['server-cpus'] === undefined ? '' : `, regent on CPUs ${values['server-cpus']}`}`,
  );
  const report = (label: string, rs: Run[]) => {
    console.log(
      `${label}: per run, µs CPU per decision (whole process / HTTP thread): ${rs.map((r) => `${r.total.toFixed(0)}/${r.http.toFixed(0)}`).join(', ')}`,
    );
    console.log(
      `${label}: median ${median(rs.map((r) => r.total)).toFixed(0)} µs per decision, of which HTTP thread ${median(rs.map((r) => r.http)).toFixed(0)} µs`,
    );
    const t = (k: keyof ThreadCpu) => median(rs.map((r) => r.threads[k])).toFixed(0);
    console.log(
      `${label}: by thread, medians in µs per decision: HTTP thread ${t('main')}, evaluation workers ${t('workers')}, libuv pool (audit and log writes) ${t('libuv')}, V8 helpers (GC, compiling) ${t('v8')}, other ${t('other')}`,
    );
    // What was measured: the README's answers, or (limits as shipped) mostly the streak's denies.
    console.log(`${label}: answers of the last run: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  };
  const base = values.baseline;
  if (base === undefined && values.floor) {
    const floors = [await startFloor('express'), await startFloor('node')];
    try {
      for (const f of floors) await drive(f.url, warmup); // warm-up
      const [rs, fe, fn, answers] = await withRegent('plain', {}, async (regent) => {
        const r: Run[] = [];
        const e: Run[] = [];
        const n: Run[] = [];
        let last = new Map<string, number>();
        // Alternate, so drift in the machine's load falls on all three.
        for (let i = 0; i < runs; i++) {
          r.push(await measureRun(regent));
          last = new Map(outcomes);
          e.push(await measureRun(floors[0]!));
          n.push(await measureRun(floors[1]!));
        }
        return [r, e, n, last] as const;
      });
      outcomes.clear();
      for (const [k, v] of answers) outcomes.set(k, v);
      report('this tree', rs);
      const line = (label: string, xs: Run[]) =>
        console.log(
          `${label}: per run ${xs.map((r) => r.total.toFixed(0)).join(', ')}; median ${median(xs.map((r) => r.total)).toFixed(0)} µs per request (HTTP thread ${median(xs.map((r) => r.http)).toFixed(0)})`,
        );
      line('floor, express + express.json + res.json', fe);
      line('floor, node:http + JSON.parse + JSON.stringify', fn);
      const m = median(rs.map((r) => r.total));
      console.log(
        `regent above the express floor: ${(m - median(fe.map((r) => r.total))).toFixed(0)} µs per decision; the floor is ${((median(fe.map((r) => r.total)) / m) * 100).toFixed(0)}% of regent's`,
      );
    } finally {
      for (const f of floors) await f.stop();
    }
  } else if (base === undefined) {
    report(
      'this tree',
      await withRegent('plain', {}, async (regent) => {
        const rs: Run[] = [];
        for (let i = 0; i < runs; i++) rs.push(await measureRun(regent));
        return rs;
      }),
    );
  } else {
    const baseRoot = path.resolve(base);
    const [before, after] = await withRegent(
      'baseline',
      {},
      (b) =>
        withRegent('plain', {}, async (a) => {
          const rb: Run[] = [];
          const ra: Run[] = [];
          // Alternate, so drift in the machine's load falls on both sides.
          for (let i = 0; i < runs; i++) {
            rb.push(await measureRun(b));
            ra.push(await measureRun(a));
          }
          return [rb, ra];
        }),
      baseRoot,
    );
    report(`baseline (${baseRoot})`, before);
    report('this tree', after);
    const mb = median(before.map((r) => r.total));
    const ma = median(after.map((r) => r.total));
    const hb = median(before.map((r) => r.http));
    const ha = median(after.map((r) => r.http));
    console.log(
      `change: whole process ${(((ma - mb) / mb) * 100).toFixed(1)}%, HTTP thread ${(((ha - hb) / hb) * 100).toFixed(1)}%`,
    );
  }

  if (values.profile !== undefined) {
    const profDir = path.resolve(values.profile);
    await rm(profDir, { recursive: true, force: true });
    const run = await withRegent('profiled', { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` }, measureRun);
    const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
    const profiles = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(path.join(profDir, f), 'utf8')) as CpuProfile),
    );
    // --cpu-prof names files CPU.<date>.<time>.<pid>.<thread>.<seq>: thread 0 is the HTTP thread.
    const isMain = files.map((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    const main = byStage(
      profiles.filter((_, i) => isMain[i]),
      run.fromUs,
      run.toUs,
    );
    const workers = byStage(
      profiles.filter((_, i) => !isMain[i]),
      run.fromUs,
      run.toUs,
    );
    main.delete('(idle)');
    workers.delete('(idle)');
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const sampled = sum(main) + sum(workers);
    const us = (ms: number) => ((ms * 1000) / perRun).toFixed(1);
    console.log(
      `\nprofiled run (under --cpu-prof): ${run.total.toFixed(0)} µs CPU per decision (/proc), HTTP thread ${run.http.toFixed(0)}; sampled busy ${us(sampled)} µs per decision (HTTP thread ${us(sum(main))}, ${profiles.length - 1} worker thread(s) ${us(sum(workers))})\n`,
    );
    console.log('| Stage | µs per decision, HTTP thread | µs, evaluation workers | Share of sampled |');
    console.log('| --- | ---: | ---: | ---: |');
    const names = [...new Set([...main.keys(), ...workers.keys()])];
    const all = (s: string) => (main.get(s) ?? 0) + (workers.get(s) ?? 0);
    for (const stage of names.sort((a, b) => all(b) - all(a)))
      console.log(
        `| ${stage} | ${us(main.get(stage) ?? 0)} | ${us(workers.get(stage) ?? 0)} | ${((all(stage) / sampled) * 100).toFixed(1)}% |`,
      );
    console.log(`\nprofiles: ${profDir} (node bench/profile-summary.ts ${profDir}/*.cpuprofile for frames)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
