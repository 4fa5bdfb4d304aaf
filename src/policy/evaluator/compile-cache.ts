/**
 * Node's module compile cache for the evaluation workers. Each worker is a fresh Node instance
 * that strips the types of, and compiles, every module it imports; a worker replaced after a
 * cut-off evaluation pays that again, about 190 ms of CPU for the built-in bundle's worker on the
 * 2-core VM, 120 ms with the cache (`NODE_COMPILE_CACHE`, which also covers type stripping).
 * Replacements are what a looping agent causes, so this is CPU taken from every other agent.
 *
 * The cache holds code the workers will run, so it lives only in a directory this process's user
 * owns and nobody else can write: `<tmpdir>/regent-compile-cache-<uid>`, created 0700. If that
 * cannot be had (a symlink, another owner, group or world access), workers run without a cache.
 * An operator's own `NODE_COMPILE_CACHE` is left alone (workers inherit it).
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The directory for the workers' compile cache, or undefined to leave their environment as it is. */
export function workerCompileCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  base: string = tmpdir(),
): string | undefined {
  if (env['NODE_COMPILE_CACHE'] !== undefined || env['NODE_DISABLE_COMPILE_CACHE'] !== undefined) return undefined;
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(base, `regent-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}
