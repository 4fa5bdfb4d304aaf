/**
 * In-process evaluation cost per decision: loads the wasm bundle with src/policy/wasm-engine.ts
 * and regent's host builtins, exactly as the policy store does (bench/lib/policy.ts loadEngine),
 * and times `evaluate` on every corpus input. Two figures per input: evaluate on ready JSON bytes (what the engine costs), and
 * JSON.stringify + encode + evaluate (what a decision pays, starting from an object, as
 * `opa bench` starts from a parsed input). Prints JSON to stdout; run by bench/run.ts, pinned.
 * Usage: node bench/eval-cost.ts <bundle.tar.gz> <corpus.json> [max-entries] [ms-per-entry]
 */
import { readFileSync } from 'node:fs';
import { jsonToInputBuffer } from '../src/policy/wasm-engine.ts';
import type { CorpusEntry } from './corpus/corpus.ts';
import { loadEngine } from './lib/policy.ts';

/** Timing of one corpus input, in microseconds per evaluation. */
export interface EvalCost {
  note: string;
  evaluateUs: number;
  fromObjectUs: number;
  decision: string;
}

const ENTRYPOINT = 'regent/decision';

/** Runs `fn` repeatedly for about `ms` after a warm-up; returns microseconds per call. */
function time(fn: () => void, ms: number): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / n / 1000;
}

const [bundleFile, corpusFile, maxRaw, msRaw] = process.argv.slice(2);
if (bundleFile === undefined || corpusFile === undefined) {
  console.error('usage: node bench/eval-cost.ts <bundle.tar.gz> <corpus.json> [max-entries] [ms-per-entry]');
  process.exit(2);
}
const engine = await loadEngine(bundleFile);
const corpus = (JSON.parse(readFileSync(corpusFile, 'utf8')) as CorpusEntry[]).slice(0, Number(maxRaw ?? Infinity));
const ms = Number(msRaw ?? 300);

const costs: EvalCost[] = corpus.map((entry) => {
  const buffer = jsonToInputBuffer(JSON.stringify(entry.input));
  const result = engine.evaluate(ENTRYPOINT, buffer) as { decision: string };
  return {
    note: entry.note,
    evaluateUs: time(() => engine.evaluate(ENTRYPOINT, buffer), ms),
    fromObjectUs: time(() => engine.evaluate(ENTRYPOINT, jsonToInputBuffer(JSON.stringify(entry.input))), ms),
    decision: result.decision,
  };
});
process.stdout.write(JSON.stringify(costs));
