/**
 * Policy evaluation, before and after a change to rego/, in one process: builds the benchmark
 * policy (rego/ with its activity limits lifted, bench/lib/policy.ts) from this checkout and from
 * a baseline checkout, loads both with src/policy/wasm-engine.ts and regent's builtins, checks they
 * give deep-equal results on every corpus input, then times passes over the corpus, alternating A
 * and B, and reports medians and the median of the paired ratios. Alternating within one process
 * is what makes a 10% change readable on a VM whose speed drifts by more than that between runs.
 *
 *   node bench/eval-ab.ts --baseline DIR [--passes 40]
 *
 * DIR: another checkout (`git worktree add DIR <commit>`); only its rego/ is read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { jsonToInputBuffer } from '../src/policy/wasm-engine.ts';
import { readCorpus } from './corpus/corpus.ts';
import { buildBenchPolicy, loadEngine } from './lib/policy.ts';
import { alternate, describeAlternation } from './lib/alternate.ts';

const { values } = parseArgs({
  options: { baseline: { type: 'string' }, passes: { type: 'string', default: '40' } },
});
if (values.baseline === undefined) throw new Error('usage: node bench/eval-ab.ts --baseline DIR [--passes 40]');
const passes = Number(values.passes);
const ENTRYPOINT = 'regent/decision';

const dir = await mkdtemp(path.join(tmpdir(), 'regent-eval-ab-'));
try {
  const load = async (root: string, name: string) =>
    loadEngine((await buildBenchPolicy(path.join(dir, name), root)).wasmBundle);
  const base = await load(path.resolve(values.baseline), 'baseline');
  const tree = await load(path.resolve(import.meta.dirname, '..'), 'tree');
  const inputs = readCorpus().map((e) => ({ note: e.note, buffer: jsonToInputBuffer(JSON.stringify(e.input)) }));
  for (const { note, buffer } of inputs) {
    if (!isDeepStrictEqual(base.evaluate(ENTRYPOINT, buffer), tree.evaluate(ENTRYPOINT, buffer)))
      throw new Error(`the two policies answer "${note}" differently: not a performance change`);
  }
  const timing = alternate(
    inputs,
    {
      baseline: ({ buffer }) => base.evaluate(ENTRYPOINT, buffer),
      tree: ({ buffer }) => tree.evaluate(ENTRYPOINT, buffer),
    },
    passes,
  );
  console.log(
    `${inputs.length} corpus inputs, same answers from both; ${describeAlternation(timing, passes, 'evaluation')}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
