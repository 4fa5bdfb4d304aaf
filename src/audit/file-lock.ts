/**
 * One writer per trail file. Two processes appending to the same file would fork the chain, so
 * the store holds `<file>.lock` (its pid) while open. A lock left by a process that died (a
 * crash, SIGKILL) is taken over; one held by a live process is refused.
 */
import { AuditUnavailableError } from './errors.ts';
import { writeAll, type AuditFs } from './fs-layer.ts';

/** Takes the lock file or throws AuditUnavailableError naming the holder. */
export async function acquireLock(fs: AuditFs, lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const file = await fs.open(lockPath, 'create');
      try {
        await writeAll(file, Buffer.from(`${process.pid}\n`), 0);
      } finally {
        await file.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AuditUnavailableError(`cannot lock audit trail ${lockPath}`, error);
      }
    }
    const holder = Number.parseInt(await fs.readText(lockPath).catch(() => ''), 10);
    if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new AuditUnavailableError(`audit trail is in use by process ${holder} (${lockPath})`);
    }
    await fs.unlink(lockPath).catch(() => undefined);
  }
  throw new AuditUnavailableError(`cannot lock audit trail ${lockPath}`);
}

/** Removes the lock file; a missing one is fine. */
export async function releaseLock(fs: AuditFs, lockPath: string): Promise<void> {
  await fs.unlink(lockPath).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
