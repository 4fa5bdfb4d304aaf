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
 * Reports distinct inputs, same, different, errors (an HTTP or evaluation failure on either
 * side); prints each difference (the first 20 in full; all go to var/differential/differences.jsonl)
 * and exits non-zero when any input differs or fails.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
    concurrency: { type: 'string', default: '32' },
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

async function fromOpa(json: string): Promise<Answer> {
  try {
    const res = await fetch(`${opa.url}/v1/data/regent/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"input":${json}}`,
    });
    const body = (await res.json()) as { result?: unknown; message?: string };
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}: ${body.message ?? ''}` };
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
const report: string[] = [];
let next = 0;
await mkdir(OUT, { recursive: true });
async function worker(): Promise<void> {
  for (let i = next++; i < inputs.length; i = next++) {
    const json = inputs[i] as string;
    const [r, o] = await Promise.all([fromRegent(json), fromOpa(json)]);
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
  await evaluator.close();
  await opa.close();
}
await writeFile(path.join(OUT, 'differences.jsonl'), report.join('\n') + (report.length > 0 ? '\n' : ''));
for (const line of report.slice(0, 20)) console.log(line);
console.log(
  `distinct inputs ${inputs.length}: same ${same}, different ${different}, errors ${errors} ` +
    `(${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}); compared in ${((performance.now() - comparing) / 1000).toFixed(1)} s, ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
if (different > 0 || errors > 0) {
  console.log(`every difference and error: ${path.relative(REPO_ROOT, OUT)}/differences.jsonl`);
  process.exitCode = 1;
}
