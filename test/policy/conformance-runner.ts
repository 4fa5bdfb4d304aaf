/**
 * OPA's own conformance cases (v1/test/cases/testdata/v1 in the pinned OPA module) run through
 * regent: compiled with regent's capabilities by the pinned `opa build -t wasm`, read by regent's
 * bundle reader, evaluated by regent's WasmEngine with regent's builtins, and compared with
 * what the case wants.
 *
 * How a case becomes something regent can run, as OPA's wasm e2e runner does it
 * (internal/wasm/sdk/test/e2e: the query is compiled as the wasm's only query):
 * - tools/conformance-cases (Go, OPA's own case loader) prints every case with its modules and
 *   query rewritten under a data root of its own (`data.x` -> `data.case0042.x`, `package x` ->
 *   `package case0042.x`), so hundreds of cases share one bundle without colliding.
 * - The query becomes the body of `results contains {"<var>": <var>, ...}` in
 *   `package conformance.case0042`, one entrypoint per case; the result set is that set's rows.
 * - Rows compare as a set, numbers by value (1.0 = 1), arrays sorted first when the case says
 *   `sort_bindings` (OPA's e2e assertResultSet). An error case passes when evaluation fails
 *   (a conflict must say so); `strict_error` cases run with strict builtin errors, as OPA's
 *   topdown runner does.
 * A case that calls a builtin outside regent's capabilities is not compiled: `not_offered`.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { REPO_ROOT, opaBinary, runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { WasmEngine, jsonToInputBuffer } from '../../src/policy/wasm-engine.ts';
import { describeThrown } from '../../src/errors/policy-errors.ts';
import { canonicalJson } from './builtins-oracle.ts';

/** One OPA conformance case as tools/conformance-cases prints it. */
export interface ConformanceCase {
  /** OPA's note, made unique (a note used twice gets its file appended). */
  name: string;
  file: string;
  query: string;
  modules: string[];
  /** The data document as exact JSON text. */
  data_text?: string;
  /** The input as exact JSON text. */
  input_text?: string;
  /** The wanted rows, numbers in canonicalJson's exact form. */
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
  builtins: string[];
  parse_error?: string;
  prefix: string;
  prefixed_modules: string[];
  prefixed_query: string;
}

/** How a case ended under regent. */
export type CaseOutcome =
  | { status: 'pass' }
  | { status: 'not_offered'; detail: string }
  | { status: 'wasm_compile'; detail: string }
  | { status: 'wasm_difference'; detail: string };

/** The categories of the checked-in known-differences file (test/policy/conformance-known.json). */
export type KnownCategory = Exclude<CaseOutcome['status'], 'pass'>;

/** Path of the checked-in known differences. */
export const KNOWN_FILE = path.join(REPO_ROOT, 'test/policy/conformance-known.json');

const TOOLS_DIR = path.join(REPO_ROOT, 'tools');
const EXTRACTOR = path.join(REPO_ROOT, '.tools/bin/conformance-cases');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

async function mtime(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Builds tools/conformance-cases into .tools/bin when missing or older than its source. */
async function ensureExtractor(): Promise<void> {
  const source = path.join(TOOLS_DIR, 'conformance-cases/main.go');
  if ((await mtime(EXTRACTOR)) >= (await mtime(source))) return;
  await run('go', ['install', './conformance-cases'], TOOLS_DIR, {
    GOBIN: path.dirname(EXTRACTOR),
    GOFLAGS: '-mod=mod',
  });
}

/** Directory of the pinned OPA module's v1 conformance cases (downloaded by `go mod download`). */
export async function casesDirectory(): Promise<string> {
  const out = await run('go', ['mod', 'download', '-json', 'github.com/open-policy-agent/opa'], TOOLS_DIR, {
    GOFLAGS: '-mod=mod',
  });
  const { Dir: dir } = JSON.parse(out) as { Dir?: string };
  if (dir === undefined) throw new Error(`go mod download printed no Dir: ${out}`);
  return path.join(dir, 'v1/test/cases/testdata/v1');
}

/** A case as the extractor prints it (JSON texts inside strings keep numbers exact). */
interface ExtractedCase extends Omit<ConformanceCase, 'want_result'> {
  want_result_text?: string;
}

/** Every case of the pinned OPA module, in OPA's order (sorted by note). */
export async function loadCases(): Promise<ConformanceCase[]> {
  await ensureExtractor();
  const raw = JSON.parse(await run(EXTRACTOR, ['-dir', await casesDirectory()], REPO_ROOT)) as ExtractedCase[];
  const count = new Map<string, number>();
  for (const c of raw) count.set(c.name, (count.get(c.name) ?? 0) + 1);
  const used = new Map<string, number>();
  const unique = (c: ExtractedCase): string => {
    if ((count.get(c.name) ?? 0) <= 1) return c.name;
    const base = `${c.name} (${c.file})`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  };
  return raw.map(({ want_result_text: wanted, ...c }) => ({
    ...c,
    name: unique(c),
    ...(wanted === undefined ? {} : { want_result: JSON.parse(canonicalJson(wanted)) as Record<string, unknown>[] }),
  }));
}

/** Variables the wrapper rule reports: the keys of the wanted rows (none for error cases). */
function outputVars(c: ConformanceCase): string[] {
  const vars = new Set<string>();
  for (const row of c.want_result ?? []) for (const k of Object.keys(row)) vars.add(k);
  return [...vars].sort();
}

/** The entrypoint a case's query is compiled to. */
export function entrypointOf(c: ConformanceCase): string {
  return `conformance/${c.prefix}/results`;
}

/** The module wrapping a case's query as a partial set rule of its bindings. */
function wrapperModule(c: ConformanceCase): string {
  const row = outputVars(c)
    .map((v) => `${JSON.stringify(v)}: ${v}`)
    .join(', ');
  return `package conformance.${c.prefix}\n\nresults contains {${row}} if {\n${c.prefixed_query}\n}\n`;
}

/** Writes a batch's cases as one source tree: caseNNNN/{m0.rego,..,data.json,query.rego}. */
async function writeBatch(dir: string, batch: readonly ConformanceCase[]): Promise<void> {
  for (const c of batch) {
    const caseDir = path.join(dir, c.prefix);
    await mkdir(caseDir, { recursive: true });
    await Promise.all(c.prefixed_modules.map((m, i) => writeFile(path.join(caseDir, `m${i}.rego`), m)));
    if (c.data_text !== undefined) await writeFile(path.join(caseDir, 'data.json'), c.data_text);
    await writeFile(path.join(caseDir, 'query.rego'), wrapperModule(c));
  }
}

/** Each case a build's error output names (by its caseNNNN folder), with its first message. */
function blamedCases(output: string): Map<string, string> {
  const blamed = new Map<string, string>();
  for (const m of output.matchAll(/src\/(case\d{4})\/[^:\s]*:\d+: ([^\n]*)/g)) {
    const [, prefix = '', message = ''] = m;
    if (!blamed.has(prefix)) blamed.set(prefix, message);
  }
  return blamed;
}

/** One compiled bundle and the cases in it. */
interface CompiledBatch {
  bytes: Buffer;
  cases: ConformanceCase[];
}

/** What building a batch gave: bundles (one, or more after splitting) and the cases that did not compile. */
interface BatchBuild {
  compiled: CompiledBatch[];
  failed: Map<string, string>;
}

/**
 * Builds a batch with `opa build -t wasm` under regent's capabilities, many entrypoints in one
 * build. A case the errors name is dropped (with OPA's message) and the rest rebuilt; an error
 * that names no case splits the batch in two until it does.
 */
async function buildBatch(batch: ConformanceCase[], capsFile: string, root: string): Promise<BatchBuild> {
  const failed = new Map<string, string>();
  const dir = await mkdtemp(path.join(root, 'batch-'));
  try {
    await writeBatch(path.join(dir, 'src'), batch);
    let pending = batch;
    while (pending.length > 0) {
      const out = path.join(dir, 'bundle.tar.gz');
      const args = ['build', '-t', 'wasm', '--capabilities', capsFile, '-o', out];
      for (const c of pending) args.push('-e', entrypointOf(c));
      args.push('src');
      const result = await runOpa(args, { cwd: dir, timeoutMs: 600_000 });
      if (result.code === 0) return { compiled: [{ bytes: await readFile(out), cases: pending }], failed };
      const output = result.stderr + result.stdout;
      const blamed = blamedCases(output);
      if (blamed.size === 0) {
        if (pending.length === 1) {
          failed.set(pending[0]?.name ?? '', output.trim());
          break;
        }
        const half = Math.ceil(pending.length / 2);
        const halves = await Promise.all([
          buildBatch(pending.slice(0, half), capsFile, root),
          buildBatch(pending.slice(half), capsFile, root),
        ]);
        for (const h of halves) for (const [k, v] of h.failed) failed.set(k, v);
        return { compiled: halves.flatMap((h) => h.compiled), failed };
      }
      for (const c of pending) {
        const why = blamed.get(c.prefix);
        if (why === undefined) continue;
        failed.set(c.name, why);
        await rm(path.join(dir, 'src', c.prefix), { recursive: true, force: true });
      }
      pending = pending.filter((c) => !blamed.has(c.prefix));
    }
    return { compiled: [], failed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows (numbers already in canonicalJson's form) as sorted, de-duplicated comparison keys. */
function rowKeys(rows: readonly unknown[], sortBindings: boolean): string[] {
  const keys = rows.map((row) => {
    const obj = row as Record<string, unknown>;
    const canon: Record<string, unknown> = {};
    for (const k of Object.keys(obj).sort()) {
      const v = obj[k];
      canon[k] = sortBindings && Array.isArray(v) ? v.map((x) => JSON.stringify(x)).sort() : v;
    }
    return JSON.stringify(canon);
  });
  return [...new Set(keys)].sort();
}

/** Evaluates one case on its batch's engine and compares with what it wants. */
function evaluateCase(engine: WasmEngine, c: ConformanceCase): CaseOutcome {
  const input = jsonToInputBuffer(c.input_text ?? '');
  let text: string;
  try {
    text = engine.evaluateText(entrypointOf(c), input, { strictBuiltinErrors: c.strict_error === true });
  } catch (err) {
    const message = describeThrown(err);
    if (c.want_error_code === undefined && c.want_error === undefined) {
      return { status: 'wasm_difference', detail: `unexpected error: ${message}` };
    }
    if (c.want_error_code === 'eval_conflict_error' && !/conflict/.test(message)) {
      return { status: 'wasm_difference', detail: `wanted a conflict, got: ${message}` };
    }
    return { status: 'pass' };
  }
  if (c.want_error_code !== undefined || c.want_error !== undefined) {
    return {
      status: 'wasm_difference',
      detail: `wanted ${c.want_error_code ?? 'an error'} (${c.want_error ?? ''}), got ${text.slice(0, 300)}`,
    };
  }
  if (c.want_result === undefined) return { status: 'pass' };
  const sort = c.sort_bindings === true;
  const resultSet = JSON.parse(canonicalJson(text)) as { result?: unknown[] }[];
  const got = rowKeys(resultSet[0]?.result ?? [], sort);
  const want = rowKeys(c.want_result, sort);
  if (JSON.stringify(got) === JSON.stringify(want)) return { status: 'pass' };
  return { status: 'wasm_difference', detail: `wanted ${want.join(' ')} got ${got.join(' ')}`.slice(0, 600) };
}

/** Options for {@link runConformance}. */
export interface RunOptions {
  /** Cases per `opa build` (default 150). */
  batchSize?: number;
  /** `opa build` processes at once (default 2). */
  concurrency?: number;
}

/** Runs every case; the outcome of each by name. */
export async function runConformance(
  cases: readonly ConformanceCase[],
  options: RunOptions = {},
): Promise<Map<string, CaseOutcome>> {
  const outcomes = new Map<string, CaseOutcome>();
  const caps = await buildCapabilities(opaBinary());
  const offered = new Set(caps.builtins.map((b) => b.name));
  const runnable: ConformanceCase[] = [];
  for (const c of cases) {
    const missing = c.builtins.filter((b) => !offered.has(b));
    if (missing.length > 0) outcomes.set(c.name, { status: 'not_offered', detail: missing.join(', ') });
    else if (c.parse_error !== undefined) outcomes.set(c.name, { status: 'wasm_compile', detail: c.parse_error });
    else runnable.push(c);
  }
  const root = await mkdtemp(path.join(tmpdir(), 'regent-conformance-'));
  try {
    const capsFile = path.join(root, 'capabilities.json');
    await writeFile(capsFile, JSON.stringify(caps));
    const size = options.batchSize ?? 150;
    const batches: ConformanceCase[][] = [];
    for (let i = 0; i < runnable.length; i += size) batches.push(runnable.slice(i, i + size));
    const evaluate = async (build: BatchBuild): Promise<void> => {
      for (const [name, why] of build.failed) {
        const status = /undefined function/.test(why) ? 'not_offered' : 'wasm_compile';
        outcomes.set(name, { status, detail: why });
      }
      for (const { bytes, cases: built } of build.compiled) {
        const bundle = await readBundle(bytes);
        const engine = await WasmEngine.load(bundle, {
          maxMemoryPages: 4096,
          builtins: createBuiltins({ localZone: 'UTC' }),
        });
        for (const c of built) outcomes.set(c.name, evaluateCase(engine, c));
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch !== undefined) await evaluate(await buildBatch(batch, capsFile, root));
      }
    };
    // Every worker settles before the tree is removed; the first failure is then rethrown.
    const settled = await Promise.allSettled(Array.from({ length: options.concurrency ?? 2 }, worker));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return outcomes;
}
