/**
 * File repairs the store makes on its own: creating the trail durably, setting a torn tail
 * aside before cutting it off, and putting back a trail file that was removed while open. Each
 * step is fsynced in an order that never loses acknowledged bytes if it is interrupted.
 */
import { dirname } from 'node:path';
import { writeAll, type AuditFile, type AuditFs } from './fs-layer.ts';

/** Opens the trail, creating it (and making its name durable) if missing. */
export async function openOrCreate(fs: AuditFs, path: string): Promise<AuditFile> {
  try {
    const file = await fs.open(path, 'create');
    // The new name must survive a crash, or acknowledged records could vanish with it.
    await fs.syncDir(dirname(path));
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.open(path, 'open');
  }
}

/** Copies the torn bytes to `tornPath` durably, before the caller truncates them away. */
export async function setAside(
  fs: AuditFs,
  file: AuditFile,
  from: number,
  to: number,
  tornPath: string,
): Promise<void> {
  const torn = Buffer.alloc(to - from);
  let read = 0;
  while (read < torn.length) {
    const n = await file.read(torn.subarray(read), from + read);
    if (n === 0) break;
    read += n;
  }
  const out = await fs.open(tornPath, 'create');
  try {
    await writeAll(out, torn.subarray(0, read), 0);
    await out.sync();
  } finally {
    await out.close();
  }
  await fs.syncDir(dirname(tornPath));
}

/** Rebuilds a removed trail file from the still-open handle, without replacing anything new. */
export async function restoreRemoved(fs: AuditFs, old: AuditFile, size: number, path: string): Promise<AuditFile> {
  const tmp = `${path}.restore-${process.pid}`;
  const copy = await fs.open(tmp, 'create');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let position = 0; position < size;) {
      const n = await old.read(chunk.subarray(0, Math.min(chunk.length, size - position)), position);
      if (n === 0) throw new Error('removed audit trail is shorter than its durable size');
      await writeAll(copy, chunk.subarray(0, n), position);
      position += n;
    }
    await copy.sync();
    await fs.link(tmp, path);
    await fs.unlink(tmp);
    await fs.syncDir(dirname(path));
  } catch (error) {
    await copy.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw error;
  }
  await old.close().catch(() => undefined);
  return copy;
}
