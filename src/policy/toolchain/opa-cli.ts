/**
 * Runs the pinned `opa` binary. Arguments are passed as an argv array (never through a shell),
 * with a timeout and an output bound, so nothing a caller supplies becomes command text.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root (two levels above src/policy/toolchain). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The opa binary: `OPA_BIN`, else the one `make tools` builds into .tools/bin. */
export function opaBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['OPA_BIN'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : path.join(REPO_ROOT, '.tools/bin/opa');
}

/** What one opa run printed, and how it ended. */
export interface OpaRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs opa with `args`; resolves with its exit code and output (a non-zero exit is not an exception). */
export function runOpa(
  args: readonly string[],
  options: { opaBin?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<OpaRun> {
  const bin = options.opaBin ?? opaBinary();
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      [...args],
      {
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        cwd: options.cwd ?? REPO_ROOT,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(new Error(`cannot run ${bin}: ${err.message}`, { cause: err }));
          return;
        }
        resolve({ code: err === null ? 0 : (err.code as number), stdout, stderr });
      },
    );
  });
}
