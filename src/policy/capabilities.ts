/**
 * The OPA capabilities document regent builds policies against: the builtins opa-wasm can run
 * (its shipped capabilities.json) plus exactly those regent's host implements
 * (src/policy/builtins), with the declarations and language features of the pinned OPA. A policy
 * that calls any other builtin fails `opa build`, naming the builtin at file:row:col, instead of
 * failing at request time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IMPLEMENTED_BUILTINS } from './builtins/index.ts';
import { REPO_ROOT, runOpa } from './toolchain/opa-cli.ts';

interface BuiltinDecl {
  name: string;
  [key: string]: unknown;
}

interface Capabilities {
  builtins: BuiltinDecl[];
  [key: string]: unknown;
}

/** The builtins opa-wasm 1.x evaluates (inside the wasm or in its SDK). */
async function sdkBuiltinNames(): Promise<Set<string>> {
  // The package's "exports" do not expose this file, so it is read from its installed folder.
  const file = path.join(REPO_ROOT, 'node_modules/@open-policy-agent/opa-wasm/capabilities.json');
  const sdk = JSON.parse(await readFile(file, 'utf8')) as Capabilities;
  return new Set(sdk.builtins.map((b) => b.name));
}

/** Builds the capabilities document from the pinned OPA's current capabilities. */
export async function buildCapabilities(opaBin: string): Promise<Capabilities> {
  const run = await runOpa(['capabilities', '--current'], { opaBin });
  if (run.code !== 0) throw new Error(`opa capabilities --current failed: ${run.stderr.trim()}`);
  const current = JSON.parse(run.stdout) as Capabilities;
  const allowed = await sdkBuiltinNames();
  for (const name of IMPLEMENTED_BUILTINS) allowed.add(name);
  return { ...current, builtins: current.builtins.filter((b) => allowed.has(b.name)) };
}
