// A throwaway redis-server for tests: its own port, no persistence, its own temp dir.
// Tests must never depend on a system Redis service, and must be able to stop, pause and
// restart the server on the same port to exercise outage and recovery paths.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test Redis; `restart()` keeps the port so clients can reconnect to the same URL. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, waits for exit); safe to call twice. */
  stop(): Promise<void>;
  /** Stops (if running) and starts a fresh, empty server on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): sockets stay open but nothing answers, like a hung host. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

const BIN = process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
const READY_TIMEOUT_MS = 5_000;
const running = new Set<ChildProcess>();

// A crashed or interrupted test run must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts redis-server on 127.0.0.1 (a free port unless one is given) and waits until it answers PING. */
export async function start(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'regent-redis-'));
  let child: ChildProcess | null = await launch(chosen, dir);

  const stop = async (): Promise<void> => {
    const current = child;
    child = null;
    if (current) await terminate(current);
  };
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      child = await launch(chosen, dir);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => {
      reject(new Error(`cannot run ${BIN} (install it: apt-get install -y redis-server): ${err.message}`));
    });
    child.once('exit', (code) => {
      reject(new Error(`${BIN} exited with ${code} during start: ${stderr.trim()}`));
    });
  });
  exited.catch(() => {});
  child.once('exit', () => running.delete(child));
  await Promise.race([waitForPing(port), exited]);
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGCONT'); // a paused server cannot handle SIGTERM
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await gone;
  clearTimeout(timer);
}

// Speaks just enough RESP to see +PONG, so the helper needs no client library.
async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      done(data.toString().startsWith('+PONG'));
    });
  });
}
