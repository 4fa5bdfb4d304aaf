/**
 * Differential (issue 17, item 6): does regent's engine decide as `opa run --server` does, on the
 * same policy, over a large generated space of policy inputs?
 *
 * What is compared, and why. regent's `POST /v1/data/regent/decision` runs the whole decision
 * pipeline (house style 22, decision 012): the trust rule rewrites what a caller declares from the
 * catalogue, regent fills `session` from its store, `activity` from its counters, `detected` from
 * its detectors, `trust` from the trust rule. The same HTTP body sent to regent and to a bare OPA
 * is therefore two different questions, and differences there would be the pipeline, not the
 * policy engine. What must not differ is the POLICY: the same resolved input, evaluated by
 * regent's engine (opa-wasm in regent's worker pool, with regent's host builtins, built from
 * `rego/` by the pinned `opa build -t wasm` with regent's capabilities) and by OPA's own
 * evaluator (`opa run --server` serving `rego/` as a plain bundle, `POST
 * /v1/data/regent/decision`). So this script generates resolved policy inputs, with `session`,
 * `activity`, `detected`, `detection` and `trust` filled by the generator as regent would fill
 * them, and asks both. regent's engine is reached through its internal evaluator interface
 * (src/policy/evaluator, the same pool a running regent decides with), not over a debug HTTP
 * entrypoint: no switch that evaluates a caller's raw input needs to exist in the server.
 *
 * The generator covers every field of the policy contract (docs/policy-contract.md): every
 * registered agent and tool of rego/regent/config/data.json (and unregistered ones), roles,
 * principals and groups, resources with labels and classifications, sources, destinations by
 * audience and by recipients (directory users, internal and external addresses), field tags
 * (the known fields and others), payloads, detector findings of every registered type (including
 * `in: "key"`), detection completeness, session state, the three activity counter sets around
 * their thresholds, trust notes, and the company rules' context fields. The seed is fixed
 * (`--seed`), so a run is reproducible; inputs are de-duplicated by their JSON text.
 *
 *   make differential                      # 100,000 distinct inputs
 *   node bench/differential.ts [--count N] [--seed S] [--concurrency C]
 *
 * Where the time goes. regent's evaluator answers this policy at about 1,600 inputs/s on one
 * worker; `opa run --server` needs 6 to 10 ms of CPU per input (its topdown evaluation of
 * `regent.decision`, measured with `?metrics=true` and `--pprof`: 82% in topdown, 12% in Go's
 * allocator and GC), so OPA is the bound. The earlier 15 inputs/s came from asking OPA 32
 * requests at a time on a 2-core machine: its evaluations then share the CPU and its GC, and each
 * slows in proportion (throughput fell from 73/s at 1 in flight to 34/s at 32). So: requests in
 * flight bounded to about the cores (`--concurrency`, default availableParallelism() + 1, so one
 * is being written while the others evaluate), over one keep-alive connection each, OPA started
 * with GOGC=400 (fewer collections; a runtime setting, it does not change what OPA answers), and
 * every input sent as its own `POST /v1/data/regent/decision` with `{"input": ...}`, so what is
 * compared is exactly what a client of OPA would get.
 *
 * Reports distinct inputs, same, different, errors (an HTTP or evaluation failure on either
 * side); prints each difference (the first 20 in full; all go to var/differential/differences.jsonl)
 * and exits non-zero when any input differs or fails.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PolicyEvaluationError } from '../src/errors/policy-errors.ts';
import { readBundle } from '../src/policy/bundle/read-bundle.ts';
import { createEvaluator } from '../src/policy/evaluator/create-evaluator.ts';
import { REPO_ROOT } from '../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../test/support/bundles.ts';
import { buildRegoBundle, startOpa } from '../test/support/opa-server.ts';
import { generateInputs } from './differential/generate.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '17' },
    concurrency: { type: 'string', default: String(availableParallelism() + 1) },
  },
});
const COUNT = Number(values.count);
const SEED = Number(values.seed);
const CONCURRENCY = Number(values.concurrency);
const ENTRY = 'regent/decision';
const OUT = path.join(REPO_ROOT, 'var/differential');

/** JSON with object keys sorted, so key order never counts as a difference (array order does). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

const started = performance.now();
const data = JSON.parse(await readFile(path.join(REPO_ROOT, 'rego/regent/config/data.json'), 'utf8')) as Record<
  string,
  unknown
>;
const inputs = generateInputs(data, COUNT, SEED);
console.log(
  `generated ${inputs.length} distinct inputs (seed ${SEED}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const wasm = await regoBundle();
// OPA inherits the environment; fewer GC cycles per evaluation, same answers.
process.env['GOGC'] ??= '400';
const opa = await startOpa(await buildRegoBundle(path.join(REPO_ROOT, 'rego'), wasm.revision));
const evaluator = await createEvaluator(await readBundle(wasm.bytes), {
  workers: 1,
  timeoutMs: 10_000,
  maxQueue: 100_000,
  maxMemoryPages: 16_384,
  recycleAboveBytes: 256 * 1024 * 1024,
});

type Answer = { ok: true; value: string } | { ok: false; error: string };

async function fromRegent(json: string): Promise<Answer> {
  try {
    return { ok: true, value: canonical(await evaluator.evaluate(ENTRY, json)) };
  } catch (err) {
    if (err instanceof PolicyEvaluationError && err.reasonCode === 'policy.undefined_result')
      return { ok: true, value: 'undefined' };
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One POST to OPA's Data API on a kept-alive connection: status and body text. */
function postOpa(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${opa.url}/v1/data/regent/decision`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function fromOpa(json: string): Promise<Answer> {
  try {
    const res = await postOpa(`{"input":${json}}`);
    const body = JSON.parse(res.text) as { result?: unknown; message?: string };
    if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}: ${body.message ?? ''}` };
    return { ok: true, value: body.result === undefined ? 'undefined' : canonical(body.result) };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}

console.log(`both engines ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
const comparing = performance.now();
let same = 0;
let different = 0;
let errors = 0;
const outcomes = new Map<string, number>();
let done = 0;
const progress = setInterval(() => {
  const seconds = (performance.now() - comparing) / 1000;
  console.log(
    `  ${done} / ${inputs.length} compared (same ${same}, different ${different}, errors ${errors}), ${(done / seconds).toFixed(0)} inputs/s`,
  );
}, 30_000);
const report: string[] = [];
let next = 0;
await mkdir(OUT, { recursive: true });
async function worker(): Promise<void> {
  for (let i = next++; i < inputs.length; i = next++) {
    const json = inputs[i] as string;
    const [r, o] = await Promise.all([fromRegent(json), fromOpa(json)]);
    done++;
    if (!r.ok || !o.ok) {
      errors++;
      report.push(JSON.stringify({ kind: 'error', input: JSON.parse(json) as unknown, regent: r, opa: o }));
    } else if (r.value === o.value) {
      same++;
      const decision = /"decision":"(\w+)"/.exec(r.value)?.[1] ?? r.value;
      outcomes.set(decision, (outcomes.get(decision) ?? 0) + 1);
    } else {
      different++;
      report.push(
        JSON.stringify({ kind: 'different', input: JSON.parse(json) as unknown, regent: r.value, opa: o.value }),
      );
    }
  }
}
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
} finally {
  clearInterval(progress);
  await evaluator.close();
  agent.destroy();
  await opa.close();
}
await writeFile(path.join(OUT, 'differences.jsonl'), report.join('\n') + (report.length > 0 ? '\n' : ''));
for (const line of report.slice(0, 20)) console.log(line);
console.log(
  `distinct inputs ${inputs.length}: same ${same}, different ${different}, errors ${errors} ` +
    `(${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}); compared in ${((performance.now() - comparing) / 1000).toFixed(1)} s ` +
    `(${(inputs.length / ((performance.now() - comparing) / 1000)).toFixed(0)} inputs/s, ${CONCURRENCY} in flight), ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
if (different > 0 || errors > 0) {
  console.log(`every difference and error: ${path.relative(REPO_ROOT, OUT)}/differences.jsonl`);
  process.exitCode = 1;
}
