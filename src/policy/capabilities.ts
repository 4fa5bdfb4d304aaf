/**
 * The OPA capabilities document `opa build --capabilities` compiles against: exactly the
 * builtins regent's runtime can run (those opa-wasm lists in its capabilities.json, which the
 * wasm or the SDK implement, plus those src/policy/builtins implements on the host), declared as
 * the pinned opa declares them, with opa's language features. A policy calling anything else
 * (http.send, io.jwt.*, ...) then fails at build time with "undefined function <name>" at its
 * file and row (`opa check -f json` adds the column).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { IMPLEMENTED_BUILTINS } from './builtins/index.ts';
import { opaBinary, runOpa } from './toolchain/opa-cli.ts';

/**
 * Builtins the pinned opa compiles into the wasm itself (internal/compiler/wasm's builtin table)
 * that opa-wasm 1.10's capabilities.json does not list yet; OPA's own cases for each pass
 * through regent's engine (test/policy/builtins-native.test.ts).
 */
export const WASM_NATIVE_BUILTINS: readonly string[] = [
  'array.flatten',
  'array.reverse',
  'object.keys',
  'object.union_n',
  'strings.reverse',
];

/** One builtin's entry in a capabilities document (decl, infix, ... as opa prints them). */
export interface BuiltinCapability {
  name: string;
  [field: string]: unknown;
}

/** An OPA capabilities document. */
export interface CapabilitiesDocument {
  builtins: BuiltinCapability[];
  [field: string]: unknown;
}

/** Path of opa-wasm's capabilities.json (the package's exports hide it from `require.resolve`). */
export function sdkCapabilitiesPath(): string {
  const entry = createRequire(import.meta.url).resolve('@open-policy-agent/opa-wasm');
  return path.join(path.dirname(entry), '..', 'capabilities.json');
}

/** The capabilities opa-wasm ships: the builtins the wasm and the SDK implement. */
export async function readSdkCapabilities(): Promise<CapabilitiesDocument> {
  return JSON.parse(await readFile(sdkCapabilitiesPath(), 'utf8')) as CapabilitiesDocument;
}

/** `opa capabilities --current` of the given binary. */
export async function currentCapabilities(opaBin: string = opaBinary()): Promise<CapabilitiesDocument> {
  const run = await runOpa(['capabilities', '--current'], { opaBin });
  if (run.code !== 0) throw new Error(`opa capabilities --current failed: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as CapabilitiesDocument;
}

/**
 * Builds the capabilities document for regent's runtime: the current opa's document with its
 * builtins limited to opa-wasm's list plus IMPLEMENTED_BUILTINS, and opa-wasm's
 * wasm_abi_versions; every other top-level field (features, future_keywords) copied through.
 */
export async function buildCapabilities(opaBin: string = opaBinary()): Promise<CapabilitiesDocument> {
  const [current, sdk] = await Promise.all([currentCapabilities(opaBin), readSdkCapabilities()]);
  const runnable = new Set([...sdk.builtins.map((b) => b.name), ...WASM_NATIVE_BUILTINS, ...IMPLEMENTED_BUILTINS]);
  const builtins = current.builtins.filter((b) => runnable.has(b.name));
  const unknown = [...runnable].filter((name) => !builtins.some((b) => b.name === name));
  if (unknown.length > 0)
    throw new Error(`opa at ${opaBin} does not declare builtins regent runs: ${unknown.join(', ')}`);
  return { ...current, builtins, wasm_abi_versions: sdk['wasm_abi_versions'] };
}
