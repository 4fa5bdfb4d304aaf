/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temp dir, listening on a free loopback
 * port, stoppable and restartable (to test outages), removed afterwards. PostgreSQL refuses to
 * run as root, so as root the binaries run as the `postgres` system user (created if missing).
 * If PostgreSQL cannot be started the helper throws: a test that needs it fails, never skips.
 */
import { execFile as execFileCb } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const execFile = promisify(execFileCb);

/** A running (or stopped) test cluster. */
export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown: open connections are cut, as in an outage). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and deletes the data directory. */
  destroy(): Promise<void>;
}

/** Finds the newest /usr/lib/postgresql/<ver>/bin, or PG_BIN if set. */
export function postgresBinDir(): string {
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      'PostgreSQL is not installed: run `apt-get install -y postgresql` (initdb not found under /usr/lib/postgresql)',
    );
  }
  return join(root, newest, 'bin');
}

/** Starts a fresh cluster; call destroy() when done. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await ensurePostgresUser() : null;
  const dir = mkdtempSync(join(tmpdir(), 'regent-pg-'));
  const data = join(dir, 'data');
  // The socket dir and data dir must belong to the user the server runs as.
  chmodSync(dir, 0o755);
  if (owner !== null) chownSync(dir, owner.uid, owner.gid);
  const run = (tool: string, args: string[]): Promise<unknown> =>
    asRoot
      ? execFile('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { timeout: 60_000 })
      : execFile(join(bin, tool), args, { timeout: 60_000 });

  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on`;
  const start = async (): Promise<void> => {
    await run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  };
  const stop = async (): Promise<void> => {
    await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${String(error)}`, { cause: error });
  }
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const lookup = async (): Promise<{ uid: number; gid: number } | null> => {
    try {
      const { stdout: uid } = await execFile('id', ['-u', 'postgres']);
      const { stdout: gid } = await execFile('id', ['-g', 'postgres']);
      return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
    } catch {
      return null;
    }
  };
  const found = await lookup();
  if (found !== null) return found;
  await execFile('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  const created = await lookup();
  if (created === null) throw new Error('could not create the postgres system user');
  return created;
}
