/**
 * Runs regent as a real child process (`node src/main.ts`) on a free loopback port, for tests
 * that need several replicas or must kill one. The port is read from its "regent listening" log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { scratchEnv } from './scratch-state.ts';

/** A running regent process. */
export interface RegentProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node src/main.ts` with `env` (REGENT_* settings) and waits until it listens. What it
 * writes goes to a temporary directory of its own unless `env` names the path (scratch-state.ts).
 */
export function startRegentProcess(env: Record<string, string>, timeoutMs = 20_000): Promise<RegentProcess> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'regent-process-'));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      OPA_BIN: process.env['OPA_BIN'] ?? '',
      REGENT_PORT: '0',
      REGENT_LOG_LEVEL: 'info',
      ...scratchEnv(scratch),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
  // Only the paths `env` left to the scratch directory are in it, so nothing a test reads goes with it.
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(scratch, { recursive: true, force: true });
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`regent did not start within ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onData = () => {
      const m =
        /"message":"regent listening"[^\n]*"port":(\d+)/.exec(text) ??
        /"port":(\d+)[^\n]*"message":"regent listening"/.exec(text);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        child,
        output: () => text,
        async stop(signal = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`regent exited with ${code} before listening:\n${text}`));
    });
  });
}
