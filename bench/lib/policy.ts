/**
 * The policy the benchmarks measure: the shipped rego/ with its activity limits lifted
 * (test/support/bundles.ts liftActivityLimits), built as regent's wasm bundle, with the rego source
 * beside it for OPA.
 *
 * Why lifted: the shipped policy stops an agent after ten denials in its window and after five
 * restricted reads. A looped corpus reaches both within a second, after which regent answers every
 * request with `activity.denial_streak` while OPA, given fixed inputs, goes on answering the
 * corpus: the two would be timed on different questions, and regent's redaction and session work
 * would mostly not run. With the limits out of reach, the activity counters are still kept,
 * counted and given to the policy on every decision (the cost is measured), but they no longer
 * decide, so both servers answer every entry as the corpus says for the whole run; `make bench`
 * checks that again after the load.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { WasmEngine } from '../../src/policy/wasm-engine.ts';
import { liftActivityLimits, shippedBundleWith } from '../../test/support/bundles.ts';

/** A built benchmark policy. */
export interface BenchPolicy {
  /** The rego source (a copy of rego/ with the limits lifted): what OPA is given. */
  source: string;
  /** regent's wasm bundle built from `source` with the real toolchain. */
  wasmBundle: string;
}

/**
 * Copies rego/ into `dir`, lifts its activity limits and builds regent's bundle there. `root` is
 * the checkout whose rego/ is copied (an A/B script's baseline worktree; default this one).
 */
export async function buildBenchPolicy(dir: string, root?: string): Promise<BenchPolicy> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const wasmBundle = await shippedBundleWith(dir, liftActivityLimits, root);
  return { source: path.join(dir, 'rego'), wasmBundle };
}

/** A wasm bundle file loaded as an evaluation worker loads it (regent's builtins), for timing in-process. */
export async function loadEngine(bundleFile: string): Promise<WasmEngine> {
  return WasmEngine.load(await readBundle(await readFile(bundleFile)), {
    maxMemoryPages: 1024,
    builtins: createBuiltins(),
  });
}
