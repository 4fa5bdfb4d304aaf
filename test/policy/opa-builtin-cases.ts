/**
 * OPA's own test cases for a builtin family (the YAML files under
 * `v1/test/cases/testdata/v1/<family>/` of the pinned OPA module), run through regent's path: the
 * case's modules and data compiled by `opa build -t wasm` under regent's capabilities, read by
 * regent's bundle reader and evaluated by WasmEngine with createBuiltins(). A case's query
 * (`data.generated.p = x`, possibly several `;`-separated) becomes one wrapper rule collecting
 * its bindings, so the result set compares with the case's `want_result`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { REPO_ROOT, runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { WasmEngine, jsonToInputBuffer } from '../../src/policy/wasm-engine.ts';
import { canonicalJson } from './builtins-oracle.ts';

/** One case as OPA's YAML writes it. */
export interface OpaCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  want_result?: Record<string, unknown>[];
  want_error?: string;
  want_error_code?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
}

/** How a case ended in regent. */
export type CaseOutcome =
  | { kind: 'result'; bindings: Record<string, unknown>[] }
  | { kind: 'error'; stage: 'build' | 'eval'; message: string; code?: string };

const run = promisify(execFile);

/** The pinned OPA module's directory (tools/go.mod), where its test cases ship. */
async function opaModuleDir(): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', 'github.com/open-policy-agent/opa'], {
    cwd: path.join(REPO_ROOT, 'tools'),
  });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/** Every case of the given families (directories under testdata/v1, or `dir/file.yaml`), in file order. */
export async function loadOpaCases(...families: string[]): Promise<OpaCase[]> {
  const root = path.join(await opaModuleDir(), 'v1', 'test', 'cases', 'testdata', 'v1');
  const cases: OpaCase[] = [];
  for (const family of families) {
    const files = family.endsWith('.yaml')
      ? [path.join(root, family)]
      : (await readdir(path.join(root, family)))
          .filter((f) => f.endsWith('.yaml'))
          .sort()
          .map((f) => path.join(root, family, f));
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        const parsed = doc.toJS() as { cases?: OpaCase[] } | null;
        cases.push(...(parsed?.cases ?? []));
      }
    }
  }
  return cases;
}

const WRAPPER = 'regent_opa_case';

/** The variables a query binds: the right-hand side of each `ref = var` expression. */
function queryVariables(query: string): string[] {
  return query
    .split(';')
    .map((part) => /=\s*([A-Za-z_]\w*)\s*$/.exec(part.trim())?.[1])
    .filter((v): v is string => v !== undefined);
}

let capabilities: Promise<string> | undefined;

/** Compiles and evaluates one case the way regent runs a policy. */
export async function runInRegent(c: OpaCase): Promise<CaseOutcome> {
  capabilities ??= buildCapabilities().then((doc) => JSON.stringify(doc));
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-opa-case-'));
  try {
    const src = path.join(dir, 'src');
    await mkdir(src);
    for (const [i, module] of (c.modules ?? []).entries()) await writeFile(path.join(src, `m${i}.rego`), module);
    const vars = queryVariables(c.query);
    const binding = `{${vars.map((v) => `"${v}": ${v}`).join(', ')}}`;
    await writeFile(
      path.join(src, 'wrapper.rego'),
      `package ${WRAPPER}\n\nresults := [${binding} | ${c.query.replaceAll(';', '\n')}]\n`,
    );
    await writeFile(path.join(src, 'data.json'), JSON.stringify(c.data ?? {}));
    await writeFile(path.join(dir, 'capabilities.json'), await capabilities);
    const built = await runOpa(
      [
        'build',
        '-t',
        'wasm',
        '--capabilities',
        path.join(dir, 'capabilities.json'),
        '-e',
        `${WRAPPER}/results`,
        '-o',
        path.join(dir, 'bundle.tar.gz'),
        src,
      ],
      { cwd: dir },
    );
    if (built.code !== 0) return { kind: 'error', stage: 'build', message: built.stderr + built.stdout };
    const bundle = await readBundle(await readFile(path.join(dir, 'bundle.tar.gz')));
    const engine = await WasmEngine.load(bundle, {
      maxMemoryPages: 1024,
      builtins: createBuiltins(),
      strictBuiltinErrors: c.strict_error ?? false,
    });
    try {
      const input = jsonToInputBuffer(JSON.stringify(c.input ?? null));
      return { kind: 'result', bindings: engine.evaluate(`${WRAPPER}/results`, input) as Record<string, unknown>[] };
    } catch (thrown) {
      const error = thrown as Error & { cause?: { code?: string } };
      const code = error.cause?.code;
      return { kind: 'error', stage: 'eval', message: error.message, ...(code === undefined ? {} : { code }) };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Rows as canonical JSON texts. With `sort_bindings` the rows and each binding's array value are
 * sorted first, as OPA's wasm e2e runner does (a set comes out of the wasm in its hash order).
 */
function canonicalBindings(bindings: readonly unknown[], sort: boolean): string[] {
  const texts = bindings.map((b) => {
    const row = JSON.parse(canonicalJson(JSON.stringify(b))) as Record<string, unknown>;
    if (sort)
      for (const [k, v] of Object.entries(row))
        if (Array.isArray(v)) row[k] = [...v].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    return JSON.stringify(row);
  });
  return sort ? texts.sort() : texts;
}

/** Why regent's outcome differs from what the case wants; undefined when it agrees. */
export function disagreement(c: OpaCase, outcome: CaseOutcome): string | undefined {
  if (c.want_error !== undefined || c.want_error_code !== undefined) {
    if (outcome.kind !== 'error') return `wanted error ${c.want_error ?? c.want_error_code}, got a result`;
    const texts = [outcome.message, `${outcome.code ?? ''}: ${outcome.message}`];
    if (c.want_error !== undefined && !texts.some((t) => t.includes(c.want_error ?? '')))
      return `wanted error containing ${JSON.stringify(c.want_error)}, got ${JSON.stringify(outcome.message)}`;
    return undefined;
  }
  if (outcome.kind === 'error') return `wanted a result, got ${outcome.stage} error: ${outcome.message}`;
  const sort = c.sort_bindings === true;
  const want = canonicalBindings(c.want_result ?? [], sort);
  const got = canonicalBindings(outcome.bindings, sort);
  return JSON.stringify(want) === JSON.stringify(got)
    ? undefined
    : `wanted ${want.join(' ')}\n     got ${got.join(' ')}`;
}

/** Runs cases with at most `parallel` builds at once; returns each case's disagreement. */
export async function runCases(
  cases: readonly OpaCase[],
  parallel = 2,
): Promise<{ note: string; problem: string | undefined }[]> {
  const results: { note: string; problem: string | undefined }[] = new Array(cases.length);
  let next = 0;
  async function worker(): Promise<void> {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i];
      if (c === undefined) continue;
      results[i] = { note: c.note, problem: disagreement(c, await runInRegent(c)) };
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/**
 * A suite running OPA's own cases of `families` through regent's engine: at least `minimum` must
 * be found, and every one must agree.
 */
export function opaCasesSuite(title: string, families: readonly string[], minimum: number): void {
  describe(title, () => {
    let results: { note: string; problem: string | undefined }[] = [];
    before(async () => {
      results = await runCases(await loadOpaCases(...families));
    });
    it('agrees with every case', () => {
      assert.ok(results.length >= minimum, `only ${results.length} cases found`);
      assert.deepEqual(
        results.filter((r) => r.problem !== undefined).map((r) => `${r.note}: ${r.problem ?? ''}`),
        [],
      );
    });
  });
}
