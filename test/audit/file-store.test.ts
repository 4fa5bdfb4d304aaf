/**
 * The file store: durable group commit, torn tails set aside on open, typed unavailability on
 * write failure with recovery afterwards, and the shared AuditStore contract.
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditCorruptError, AuditUnavailableError } from '../../src/audit/errors.ts';
import { FileAuditStore, type FileStoreOptions } from '../../src/audit/file-store.ts';
import type { CheckpointRecord } from '../../src/audit/record.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { faultyFs } from './faulty-fs.ts';
import { admin, decision, signerPair, storeOptions, tempDir } from './helpers.ts';
import { describeStoreContract } from './store-contract.ts';

const tmp = tempDir();
after(() => {
  tmp.cleanup();
});
let counter = 0;
const nextPath = (): string => join(tmp.dir, `trail-${++counter}.jsonl`);
const keys = signerPair();

function options(path: string, over: Partial<FileStoreOptions> = {}): FileStoreOptions {
  return { ...storeOptions({}, keys.signer), path, ...over };
}

const fileLines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const verifyFile = (path: string): ReturnType<typeof verifyTrail> =>
  verifyTrail(fileLines(path), { publicKeys: [keys.publicKey] });
const isUnavailable = (error: unknown): boolean =>
  error instanceof AuditUnavailableError && error.code === 'audit.unavailable' && error.status === 503;

describeStoreContract('file store', async () => {
  const path = nextPath();
  return {
    store: await FileAuditStore.open(options(path)),
    publicKey: keys.publicKey,
    reopen: () => FileAuditStore.open(options(path)),
  };
});

describe('file store: group commit', () => {
  it('writes concurrent appends with one write and one fsync per batch, each acknowledged only once synced', async () => {
    const faulty = faultyFs();
    const path = nextPath();
    const store = await FileAuditStore.open(
      options(path, { fs: faulty.fs, checkpoints: { signer: null, everyRecords: 10, everyMs: 0 } }),
    );
    const syncedAtAck = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.append(decision(i)).then((receipt) => syncedAtAck.set(receipt.seq, faulty.syncedEnd())),
      ),
    );
    await store.close();
    assert.ok(faulty.counts.syncs <= 3, `200 appends in one tick took ${faulty.counts.syncs} fsyncs`);
    assert.equal(faulty.counts.writes, faulty.counts.syncs);
    let end = 0;
    for (const line of fileLines(path)) {
      end += Buffer.byteLength(line) + 1;
      const seq = (JSON.parse(line) as { seq: number }).seq;
      assert.ok((syncedAtAck.get(seq) ?? 0) >= end, `seq ${seq} was acknowledged before its bytes were synced`);
    }
    assert.equal(verifyFile(path).ok, true);
  });

  it('reports each commit once durable: the record counts add up to every record written', async () => {
    const faulty = faultyFs();
    const path = nextPath();
    const commits: [number, number][] = [];
    const store = await FileAuditStore.open(
      options(path, {
        fs: faulty.fs,
        checkpoints: { signer: keys.signer, everyRecords: 10, everyMs: 0 },
        onCommit: (records, seconds) => {
          // Called only after the batch's bytes are synced.
          assert.ok(faulty.syncedEnd() > 0);
          commits.push([records, seconds]);
        },
      }),
    );
    await Promise.all(Array.from({ length: 120 }, (_, i) => store.append(decision(i))));
    for (let i = 0; i < 30; i++) await store.append(decision(1000 + i));
    await store.close();
    const lines = fileLines(path);
    assert.equal(
      commits.reduce((n, [records]) => n + records, 0),
      lines.length,
    );
    assert.ok(lines.length > 150, 'checkpoints are records too');
    assert.equal(commits.length, faulty.counts.syncs);
    assert.ok(commits.length < 150, `${commits.length} commits for 150 appends: the first 120 share few`);
    for (const [, seconds] of commits) assert.ok(seconds >= 0 && seconds < 60);
  });

  it('holds the trail open with O_DSYNC, so each commit is one durable write (Linux /proc)', async () => {
    const path = nextPath();
    const store = await FileAuditStore.open(options(path));
    try {
      await store.append(decision(1));
      // The kernel's own record of how this process holds the file.
      const fds = readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      });
      assert.equal(fds.length, 1, 'one descriptor on the trail');
      const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fds[0]}`, 'utf8'))?.[1];
      assert.ok(flags !== undefined);
      assert.notEqual(Number.parseInt(flags, 8) & constants.O_DSYNC, 0, `flags ${flags} lack O_DSYNC`);
    } finally {
      await store.close();
    }
  });

  it('bounds a batch by its record limit', async () => {
    const faulty = faultyFs();
    const path = nextPath();
    const store = await FileAuditStore.open(
      options(path, {
        fs: faulty.fs,
        batch: { maxRecords: 16, maxBytes: 1 << 20 },
        checkpoints: { signer: null, everyRecords: 10, everyMs: 0 },
      }),
    );
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(decision(i))));
    await store.close();
    assert.ok(Math.max(...faulty.counts.batchSizes) <= 16);
    assert.ok(faulty.counts.syncs >= 7);
  });

  it('writes a signed checkpoint when the interval passes, and reports it', async () => {
    const path = nextPath();
    const seen: CheckpointRecord[] = [];
    const store = await FileAuditStore.open(
      options(path, {
        checkpoints: { signer: keys.signer, everyRecords: 1000, everyMs: 30 },
        onCheckpoint: (record) => seen.push(record),
      }),
    );
    await store.append(decision(1));
    for (let i = 0; i < 500 && seen.length === 0; i += 1) await sleep(10);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]?.checkpoint.seq, 1);
    await store.close();
    assert.equal(verifyFile(path).ok, true);
  });
});

describe('file store: checkpoint hook', () => {
  it('keeps an append acknowledged even when the checkpoint hook throws', async () => {
    const path = nextPath();
    const errors: unknown[] = [];
    const store = await FileAuditStore.open(
      options(path, {
        checkpoints: { signer: keys.signer, everyRecords: 1, everyMs: 60_000 },
        onCheckpoint: () => {
          throw new Error('log pipeline down');
        },
        onError: (error) => errors.push(error),
      }),
    );
    assert.equal((await store.append(decision(1))).seq, 1);
    await store.close();
    assert.equal(errors.length, 1);
    assert.equal(verifyFile(path).checkpoints, 1);
  });
});

describe('file store: reopening after a crash', () => {
  const tornCases = [
    { note: 'a partial last line (the write was cut mid-record)', torn: (line: string) => line.slice(0, 40) },
    {
      note: 'a complete last line that does not match its hash',
      torn: (line: string) => `${line.replace('"deny"', '"allow"')}\n`,
    },
    { note: 'zero bytes (a block allocated but never written)', torn: () => '\0'.repeat(700) },
    { note: 'garbage followed by a partial line', torn: (line: string) => `\0\0\0\n${line.slice(0, 10)}` },
  ];
  for (const c of tornCases) {
    it(`sets aside ${c.note} and resumes the chain from the last good record`, async () => {
      const path = nextPath();
      const store = await FileAuditStore.open(options(path));
      for (let i = 1; i <= 3; i += 1) await store.append(decision(i));
      await store.close();
      const good = readFileSync(path);
      const lastLine = fileLines(path)
        .at(-1)!
        .replace(/"seq":\d+/, '"seq":99');
      const torn = c.torn(lastLine);
      appendFileSync(path, torn);

      const reopened = await FileAuditStore.open(options(path));
      assert.notEqual(reopened.openReport.tornPath, null);
      assert.equal(reopened.openReport.tornBytes, Buffer.byteLength(torn));
      assert.equal(readFileSync(reopened.openReport.tornPath!, 'utf8'), torn, 'the torn bytes are kept for forensics');
      assert.deepEqual(readFileSync(path), good, 'the trail is cut back to the last complete record');
      const next = await reopened.append(decision(4));
      await reopened.close();
      assert.equal(next.seq, 5, '3 decisions + 1 checkpoint written on close, then this one');
      assert.equal(verifyFile(path).ok, true);
    });
  }

  it('opens an untouched trail without setting anything aside', async () => {
    const path = nextPath();
    const store = await FileAuditStore.open(options(path));
    await store.append(decision(1));
    await store.close();
    const reopened = await FileAuditStore.open(options(path));
    assert.deepEqual(reopened.openReport, { records: 2, tornPath: null, tornBytes: 0 });
    await reopened.close();
  });

  it('refuses to open a trail damaged in the middle rather than chaining onto it', async () => {
    const path = nextPath();
    const store = await FileAuditStore.open(options(path));
    for (let i = 1; i <= 4; i += 1) await store.append(decision(i));
    await store.close();
    const lines = fileLines(path);
    lines[1] = lines[1]!.replace('"deny"', '"allow"');
    writeFileSync(path, `${lines.join('\n')}\n`);
    await assert.rejects(FileAuditStore.open(options(path)), (error: unknown) => error instanceof AuditCorruptError);
    assert.equal(existsSync(`${path}.lock`), false, 'a failed open releases the lock');
  });

  it('refuses a second writer on the same file, and takes over the lock of a dead one', async () => {
    const path = nextPath();
    const store = await FileAuditStore.open(options(path));
    await assert.rejects(FileAuditStore.open(options(path)), isUnavailable);
    await store.close();
    writeFileSync(`${path}.lock`, '999999999\n');
    const again = await FileAuditStore.open(options(path));
    await again.close();
  });
});

describe('file store: write failures', () => {
  const faultCases = [
    { note: 'disk full, after part of the batch was written', set: { write: 'ENOSPC', partialBytes: 100 } },
    { note: 'an I/O error on fsync', set: { sync: 'EIO' } },
    { note: 'a file system remounted read-only', set: { write: 'EROFS' } },
  ];
  for (const c of faultCases) {
    it(`rejects with audit.unavailable on ${c.note}, leaves no trace of the failed record, and recovers`, async () => {
      const faulty = faultyFs();
      const path = nextPath();
      const store = await FileAuditStore.open(options(path, { fs: faulty.fs }));
      await store.append(decision(1));
      Object.assign(faulty.faults, c.set);
      await assert.rejects(store.append(decision(2)), isUnavailable);
      await assert.rejects(store.append(decision(3)), isUnavailable, 'still failing while the fault lasts');
      Object.assign(faulty.faults, { write: null, partialBytes: 0, sync: null });
      const receipt = await store.append(decision(4));
      assert.equal(receipt.seq, 2, 'the chain continues from the last acknowledged record');
      await store.close();
      const result = verifyFile(path);
      assert.equal(result.ok, true, JSON.stringify(result));
      const ids = fileLines(path).map((l) => (JSON.parse(l) as { decision_id?: string }).decision_id);
      assert.deepEqual(
        ids.filter((id) => id !== undefined),
        ['dec-1', 'dec-4'],
      );
    });
  }

  it('stays unavailable while the file cannot even be truncated back, then recovers', async () => {
    const faulty = faultyFs();
    const path = nextPath();
    const store = await FileAuditStore.open(options(path, { fs: faulty.fs }));
    Object.assign(faulty.faults, { write: 'EIO', truncate: 'EIO' });
    await assert.rejects(store.append(decision(1)), isUnavailable);
    Object.assign(faulty.faults, { write: null });
    await assert.rejects(store.append(decision(2)), isUnavailable);
    Object.assign(faulty.faults, { truncate: null });
    assert.equal((await store.append(decision(3))).seq, 1);
    await store.close();
    assert.equal(verifyFile(path).ok, true);
  });

  it('retries recovery no more often than retryMs', async () => {
    const faulty = faultyFs();
    const path = nextPath();
    const store = await FileAuditStore.open(options(path, { fs: faulty.fs, retryMs: 60_000 }));
    Object.assign(faulty.faults, { write: 'EIO', truncate: 'EIO' });
    await assert.rejects(store.append(decision(1)), isUnavailable);
    await assert.rejects(store.append(decision(2)), isUnavailable);
    Object.assign(faulty.faults, { write: null, truncate: null });
    await assert.rejects(store.append(decision(3)), /retrying shortly/);
    await store.close();
  });

  it('treats a removed trail file as a failure and puts it back with every acknowledged record', async () => {
    const path = nextPath();
    const store = await FileAuditStore.open(options(path));
    await store.append(decision(1));
    await store.append(admin('session.delete'));
    unlinkSync(path);
    await assert.rejects(store.append(decision(3)), isUnavailable);
    const receipt = await store.append(decision(4));
    assert.equal(receipt.seq, 3);
    await store.close();
    assert.equal(verifyFile(path).ok, true);
    assert.equal(fileLines(path).length, 4, '2 records, the one after the restore, and the closing checkpoint');
    assert.deepEqual(
      readdirSync(tmp.dir).filter((name) => name.includes('.restore-')),
      [],
    );
  });
});
