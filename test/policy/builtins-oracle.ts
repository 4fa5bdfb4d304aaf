/**
 * OPA's own evaluator as the oracle for the host builtins. A batch of cases becomes one Rego
 * module (one rule per case, one case per row) evaluated by one `opa eval` process with
 * `--show-builtin-errors`: a rule's value is `[result]`, `[]` when the call failed or was
 * undefined, and a failure is reported with the row of its case. Arguments travel in `input`
 * (so the type checker cannot reject them, and big integers stay exact).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { canonicalDecimal, rawJson } from '../../src/policy/builtins/json-numbers.ts';

/** One call of a builtin: what it is for, and its arguments (bigint for exact big integers). */
export interface BuiltinCase {
  note: string;
  builtin: string;
  args: unknown[];
  /** What OPA does with it: a value (default), an error, or an undefined result. */
  want?: 'value' | 'error' | 'undefined';
}

/** How one call ended, with values in canonical JSON (exact numbers). */
export type Outcome = { kind: 'value'; json: string } | { kind: 'error'; message: string } | { kind: 'undefined' };

const FIRST_ROW = 3;

/** JSON text with bigints written as exact digits. */
export function exactStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? rawJson(v.toString()) : v));
}

type SourceReviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/** JSON.parse with a reviver that also sees each number's source text. */
function parseWithSource(text: string, reviver: SourceReviver): unknown {
  const plain: (this: unknown, key: string, value: unknown) => unknown = reviver;
  return JSON.parse(text, plain);
}

/** Re-serialises JSON text with every number in canonical decimal form, so 1.0 and 1 compare equal. */
export function canonicalJson(text: string): string {
  return JSON.stringify(
    sortKeys(
      parseWithSource(text, (_key, value, context) =>
        typeof value === 'number' && context?.source !== undefined
          ? { $number: canonicalDecimal(context.source) }
          : value,
      ),
    ),
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

interface OpaEvalOutput {
  errors?: { message: string; location?: { row: number } }[];
  result?: { expressions: { value: Record<string, unknown> }[] }[];
}

/** Evaluates every case with `opa eval` in one process; `env` sets e.g. TZ for "Local". */
export async function evaluateWithOpa(cases: readonly BuiltinCase[], env: NodeJS.ProcessEnv = {}): Promise<Outcome[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-builtins-oracle-'));
  try {
    const rules = cases.map(
      (c, i) => `c${i} := [r | r := ${c.builtin}(${c.args.map((_, j) => `input.c${i}[${j}]`).join(', ')})]`,
    );
    await writeFile(path.join(dir, 'cases.rego'), `package cases\n\n${rules.join('\n')}\n`);
    await writeFile(
      path.join(dir, 'input.json'),
      exactStringify(Object.fromEntries(cases.map((c, i) => [`c${i}`, c.args]))),
    );
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        opaBinary(),
        ['eval', '--show-builtin-errors', '-f', 'json', '-d', 'cases.rego', '-i', 'input.json', 'data.cases'],
        { cwd: dir, env: { ...process.env, TZ: 'UTC', ...env }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
        (err, out, stderr) => {
          if (err !== null && out === '') reject(new Error(`opa eval failed: ${stderr}`));
          else resolve(out);
        },
      );
    });
    const exact = parseWithSource(stdout, (_key, value, context) =>
      typeof value === 'number' && context?.source !== undefined ? rawJson(context.source) : value,
    ) as OpaEvalOutput;
    const values = exact.result?.[0]?.expressions[0]?.value ?? {};
    const errors = new Map<number, string>();
    for (const e of (JSON.parse(stdout) as OpaEvalOutput).errors ?? []) {
      if (e.location !== undefined) errors.set(e.location.row - FIRST_ROW, e.message);
    }
    return cases.map((_, i): Outcome => {
      const error = errors.get(i);
      if (error !== undefined) return { kind: 'error', message: error };
      const results = values[`c${i}`];
      if (!Array.isArray(results)) throw new Error(`opa eval returned no value for case ${i}`);
      if (results.length === 0) return { kind: 'undefined' };
      return { kind: 'value', json: canonicalJson(JSON.stringify(results[0])) };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a host builtin and describes how it ended, in the oracle's terms. */
export function runHost(fn: ((...args: unknown[]) => unknown) | undefined, args: readonly unknown[]): Outcome {
  if (fn === undefined) throw new Error('builtin not implemented on the host');
  let result: unknown;
  try {
    result = fn(...args);
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (result === undefined) return { kind: 'undefined' };
  return { kind: 'value', json: canonicalJson(JSON.stringify(result)) };
}
