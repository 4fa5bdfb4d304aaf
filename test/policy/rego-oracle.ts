/**
 * OPA's evaluator as the oracle for builtins whose arguments or results are sets, which
 * builtins-oracle.ts cannot express (its arguments travel in `input`, which is JSON). Here the
 * arguments are Rego literals in the module, and each value is compared as Rego text, types
 * included:
 * - {@link evaluateRegoWithOpa}: one `opa eval` for a batch; each rule prints its call's value with
 *   OPA's own `sprintf("%v", [[r]])` (ast String: sets as `{...}` in OPA's order).
 * - {@link runRegoHost}: the same call on regent's host function, given the texts the dispatcher
 *   would pass; its value printed by regoString.
 * - {@link evaluateRegoInRegent}: the whole wasm path (`opa build -t wasm` under regent's
 *   capabilities, WasmEngine, `opa_value_dump` / `opa_value_parse`): each rule checks with the
 *   wasm's own `==` that the call gives the value the host gave, or nothing when the host failed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBuiltins, type HostBuiltins } from '../../src/policy/builtins/index.ts';
import {
  RegoNumber,
  RegoObject,
  RegoSet,
  parseRegoValue,
  regoString,
  writeRegoValue,
  type RegoValue,
} from '../../src/policy/builtins/rego-value.ts';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { opaBinary, runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { WasmEngine, jsonToInputBuffer } from '../../src/policy/wasm-engine.ts';

/** One call of a builtin with Rego-typed arguments. */
export interface RegoCall {
  note: string;
  builtin: string;
  args: RegoValue[];
}

/** How a call ended: its value as `[value]` in OPA's term syntax, an error, or nothing. */
export type RegoOutcome = { kind: 'value'; text: string } | { kind: 'error'; message: string } | { kind: 'undefined' };

const FIRST_ROW = 3;

/**
 * The call as Rego. Each argument goes through `object.get`, whose result type is `any`, so the
 * type checker lets through what only a dynamic value could carry (a number as a patch's op).
 */
function callText(c: RegoCall): string {
  const args = c.args.map((a) => `object.get({"v": ${writeRegoValue(a)}}, "v", null)`);
  return `${c.builtin}(${args.join(', ')})`;
}

function runOpaEval(dir: string): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  return new Promise((resolve) => {
    execFile(
      opaBinary(),
      ['eval', '--show-builtin-errors', '-f', 'json', '-d', 'cases.rego', 'data.cases'],
      { cwd: dir, env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        resolve({ stdout, stderr, failed: err !== null });
      },
    );
  });
}

interface OpaEvalOutput {
  errors?: { message: string; location?: { row: number } }[];
  result?: { expressions: { value: Record<string, unknown> }[] }[];
}

/** Evaluates every call with `opa eval` in one process (a call that makes OPA panic fails the batch). */
export async function evaluateRegoWithOpa(calls: readonly RegoCall[]): Promise<RegoOutcome[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-rego-oracle-'));
  try {
    const rules = calls.map((c, i) => `c${i} := [sprintf("%v", [[r]]) | r := ${callText(c)}]`);
    await writeFile(path.join(dir, 'cases.rego'), `package cases\n\n${rules.join('\n')}\n`);
    const run = await runOpaEval(dir);
    if (run.stdout === '') throw new Error(`opa eval failed: ${run.stderr.slice(0, 2000)}`);
    const out = JSON.parse(run.stdout) as OpaEvalOutput;
    const values = out.result?.[0]?.expressions[0]?.value ?? {};
    const errors = new Map<number, string>();
    for (const e of out.errors ?? []) if (e.location !== undefined) errors.set(e.location.row - FIRST_ROW, e.message);
    if (out.result === undefined) throw new Error(`opa eval answered nothing: ${run.stdout.slice(0, 4000)}`);
    return calls.map((_, i): RegoOutcome => {
      const error = errors.get(i);
      if (error !== undefined) return { kind: 'error', message: error };
      const results = values[`c${i}`];
      if (!Array.isArray(results)) throw new Error(`opa eval returned no value for case ${i}`);
      if (results.length === 0) return { kind: 'undefined' };
      return { kind: 'value', text: String(results[0]) };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether OPA's evaluator panics (the process dies with a Go stack) on this call alone. */
export async function opaPanics(call: RegoCall): Promise<boolean> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-rego-oracle-'));
  try {
    await writeFile(path.join(dir, 'cases.rego'), `package cases\n\nc0 := ${callText(call)}\n`);
    const run = await runOpaEval(dir);
    return run.failed && run.stderr.includes('panic:');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A value JSON.parse made, as a Rego value (for builtins on the JSON path). */
export function fromJson(value: unknown): RegoValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new RegoNumber(String(value));
  if (Array.isArray(value)) return value.map(fromJson);
  return RegoObject.of(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromJson(v)]));
}

/** A Rego value as JSON (sets as arrays, as OPA's JSON output writes them), for builtins on the JSON path. */
export function toJson(value: RegoValue): unknown {
  if (value instanceof RegoNumber) return Number(value.text);
  if (value instanceof RegoSet) return value.elements.map(toJson);
  if (value instanceof RegoObject)
    return Object.fromEntries(
      value.entries.map(([k, v]) => [typeof k === 'string' ? k : writeRegoValue(k), toJson(v)]),
    );
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}

/** Calls regent's host function as the dispatcher would; the value as a Rego value, or how it failed. */
export function callHost(host: HostBuiltins, c: RegoCall): { value: RegoValue } | { error: Error } | undefined {
  const fn = host.functions[c.builtin];
  if (fn === undefined) throw new Error(`${c.builtin} is not a host builtin`);
  const args = host.regoArguments.has(c.builtin) ? c.args.map(writeRegoValue) : c.args.map(toJson);
  let result: unknown;
  try {
    result = fn(...args);
  } catch (thrown) {
    return { error: thrown as Error };
  }
  if (result === undefined) return undefined;
  return { value: host.regoResults.has(c.builtin) ? parseRegoValue(result as string) : fromJson(result) };
}

/** Runs one call on the host and describes it in the oracle's terms. */
export function runRegoHost(host: HostBuiltins, c: RegoCall): RegoOutcome {
  const r = callHost(host, c);
  if (r === undefined) return { kind: 'undefined' };
  if ('error' in r) return { kind: 'error', message: r.error.message };
  return { kind: 'value', text: regoString([r.value]) };
}

let capabilities: Promise<string> | undefined;

/**
 * Runs every call through the wasm path (see the module comment). `expected[i]` is the host's
 * value for call i (undefined when the host failed); returns, per call, undefined when the wasm
 * agrees, else what it gave instead.
 */
export async function evaluateRegoInRegent(
  calls: readonly RegoCall[],
  expected: readonly (RegoValue | undefined)[],
): Promise<(string | undefined)[]> {
  capabilities ??= buildCapabilities().then((doc) => JSON.stringify(doc));
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-rego-oracle-'));
  try {
    const rules = calls.map((c, i) => {
      const want = expected[i];
      const check = want === undefined ? '' : `; [r] == ${writeRegoValue([want])}`;
      return `c${i} := {"ok": [true | r := ${callText(c)}${check}], "got": [r | r := ${callText(c)}]}`;
    });
    await writeFile(path.join(dir, 'cases.rego'), `package cases\n\n${rules.join('\n')}\n`);
    await writeFile(path.join(dir, 'capabilities.json'), await capabilities);
    const built = await runOpa(
      [
        'build',
        '-t',
        'wasm',
        '--capabilities',
        'capabilities.json',
        '-e',
        'cases',
        '-o',
        'bundle.tar.gz',
        'cases.rego',
      ],
      { cwd: dir },
    );
    if (built.code !== 0) throw new Error(`opa build failed: ${built.stderr}${built.stdout}`);
    const bundle = await readBundle(await readFile(path.join(dir, 'bundle.tar.gz')));
    const engine = await WasmEngine.load(bundle, { maxMemoryPages: 1024, builtins: createBuiltins() });
    const result = engine.evaluate('cases', jsonToInputBuffer('null')) as Record<
      string,
      { ok: boolean[]; got: unknown[] }
    >;
    return calls.map((_, i) => {
      const r = result[`c${i}`];
      const want = expected[i] === undefined ? [] : [true];
      if (r !== undefined && JSON.stringify(r.ok) === JSON.stringify(want)) return undefined;
      return JSON.stringify(r?.got);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `calls` through the whole wasm path and lists, per call that disagrees with the host's own
 * value (or failure), `<note>: wasm gave <what>`; empty when every call agrees.
 */
export async function wasmDisagreements(host: HostBuiltins, calls: readonly RegoCall[]): Promise<string[]> {
  const expected = calls.map((c) => {
    const r = callHost(host, c);
    return r !== undefined && 'value' in r ? r.value : undefined;
  });
  const problems = await evaluateRegoInRegent(calls, expected);
  return problems.flatMap((p, i) => (p === undefined ? [] : [`${calls[i]?.note}: wasm gave ${p}`]));
}
