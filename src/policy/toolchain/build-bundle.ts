/**
 * Compiles a folder of Rego into an OPA wasm bundle with the real toolchain: `opa check` first
 * (so errors carry file:row:col, in OPA's JSON shape), then `opa build -t wasm` under a
 * capabilities file limited to the builtins regent's runtime implements, with a revision derived
 * from the sources' content.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ErrorDetail } from '../../errors/regent-error.ts';
import { runOpa } from './opa-cli.ts';

/** Thrown when policies do not compile; `errors` holds OPA's messages and locations. */
export class PolicyCompileError extends Error {
  readonly errors: readonly ErrorDetail[];
  constructor(errors: readonly ErrorDetail[]) {
    super(errors.map(formatErrorDetail).join('\n'));
    this.name = 'PolicyCompileError';
    this.errors = errors;
  }
}

/** Formats one compile error as `file:row:col: code: message`, the way editors link to it. */
export function formatErrorDetail(e: ErrorDetail): string {
  const where = e.location === undefined ? '' : `${e.location.file}:${e.location.row}:${e.location.col}: `;
  return `${where}${e.code}: ${e.message}`;
}

/** Files that count as policy sources (tests excluded: they do not change decisions). */
function isSource(name: string): boolean {
  return (
    (name.endsWith('.rego') && !name.endsWith('_test.rego')) ||
    name.endsWith('.json') ||
    name.endsWith('.yaml') ||
    name.endsWith('.yml')
  );
}

async function listSources(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listSources(dir, rel)));
    else if (entry.isFile() && isSource(entry.name) && entry.name !== 'README.md') out.push(rel);
  }
  return out.sort();
}

/** A revision derived from the sources' paths and bytes: same sources, same revision. */
export async function contentRevision(sourceDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of await listSources(sourceDir)) {
    hash
      .update(rel)
      .update('\0')
      .update(await readFile(path.join(sourceDir, rel)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Parses `opa check -f json` / `opa build` error output into OPA-shaped error details. */
export function parseOpaErrors(output: string): ErrorDetail[] {
  const start = output.indexOf('{');
  if (start >= 0) {
    try {
      const parsed = JSON.parse(output.slice(start)) as {
        errors?: { code?: string; message?: string; location?: { file?: string; row?: number; col?: number } }[];
      };
      if (Array.isArray(parsed.errors)) {
        return parsed.errors.map((e) => ({
          code: e.code ?? 'rego_compile_error',
          message: e.message ?? 'compile error',
          ...(e.location?.file !== undefined
            ? { location: { file: e.location.file, row: e.location.row ?? 0, col: e.location.col ?? 0 } }
            : {}),
        }));
      }
    } catch {
      // fall through to the plain-text form
    }
  }
  const text = output.trim();
  return text === '' ? [] : [{ code: 'rego_compile_error', message: text }];
}

/** Inputs of one bundle build. */
export interface BuildOptions {
  sourceDir: string;
  outFile: string;
  /** OPA capabilities document (see src/policy/capabilities.ts). */
  capabilities: object;
  opaBin?: string;
  /** Overrides the content-derived revision. */
  revision?: string;
}

/** Checks and builds `sourceDir` into `outFile`; resolves with the revision, or throws {@link PolicyCompileError}. */
export async function buildBundle(options: BuildOptions): Promise<{ revision: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'regent-build-'));
  const opa = options.opaBin === undefined ? {} : { opaBin: options.opaBin };
  try {
    const caps = path.join(work, 'capabilities.json');
    await writeFile(caps, JSON.stringify(options.capabilities));
    const check = await runOpa(
      ['check', '-f', 'json', '--capabilities', caps, '--ignore', '*_test.rego', options.sourceDir],
      opa,
    );
    if (check.code !== 0) throw new PolicyCompileError(parseOpaErrors(check.stderr + check.stdout));
    const revision = options.revision ?? (await contentRevision(options.sourceDir));
    await mkdir(path.dirname(path.resolve(options.outFile)), { recursive: true });
    const build = await runOpa(
      [
        'build',
        '-t',
        'wasm',
        '--capabilities',
        caps,
        '--ignore',
        '*_test.rego',
        '--ignore',
        '*.md',
        '--revision',
        revision,
        '-o',
        options.outFile,
        options.sourceDir,
      ],
      opa,
    );
    if (build.code !== 0) throw new PolicyCompileError(parseOpaErrors(build.stderr + build.stdout));
    return { revision };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
