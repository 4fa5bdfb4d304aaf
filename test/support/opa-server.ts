/**
 * Runs the pinned `opa run --server` on a loopback port for side-by-side tests: regent and OPA
 * serve the same Rego (OPA as a rego bundle, since opa has no wasm engine here), and a client
 * compares their answers. Stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { opaBinary, runOpa } from '../../src/policy/toolchain/opa-cli.ts';

/** A running opa server. */
export interface OpaServer {
  url: string;
  close(): Promise<void>;
}

export { freePort };

/** Builds `sourceDir` into a plain (rego) bundle for opa, tests excluded. */
export async function buildRegoBundle(sourceDir: string, revision: string): Promise<string> {
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'regent-opa-bundle-')), 'bundle.tar.gz');
  const run = await runOpa(['build', '--ignore', '*_test.rego', '--revision', revision, '-o', out, sourceDir]);
  if (run.code !== 0) throw new Error(`opa build failed: ${run.stderr}`);
  return out;
}

/** Starts `opa run --server` on `bundleFile` and waits until it answers /health. */
export async function startOpa(bundleFile: string): Promise<OpaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    opaBinary(),
    ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '--disable-telemetry', '-b', bundleFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`opa exited: ${stderr}`);
    try {
      if ((await fetch(`${url}/health?bundles`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`opa did not become healthy: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
