/**
 * Child process of the crash test: appends decisions as fast as it can and prints
 * `<seq> <hash>` for each one only after `append` resolved (synchronously, so a printed line
 * always means acknowledged). The parent SIGKILLs it at a random moment.
 *
 * Usage: node test/audit/crash-writer.ts <trail.jsonl> <ed25519-private.pem>
 */
import { writeSync } from 'node:fs';
import { flushCompileCache } from 'node:module';
import { CheckpointSigner } from '../../src/audit/chain.ts';
import { FileAuditStore } from '../../src/audit/file-store.ts';
import { decision, storeOptions } from './helpers.ts';

const [path, keyPath] = process.argv.slice(2);
if (path === undefined || keyPath === undefined) throw new Error('usage: crash-writer.ts <trail> <key.pem>');

const store = await FileAuditStore.open({
  ...storeOptions({}, CheckpointSigner.fromPemFile(keyPath)),
  checkpoints: { signer: CheckpointSigner.fromPemFile(keyPath), everyRecords: 50, everyMs: 20 },
  path,
});
// SIGKILL skips the compile cache's write at exit; flush it so the next child starts fast.
flushCompileCache();
writeSync(1, 'ready\n');

let next = 0;
function pump(): void {
  store.append(decision(next++)).then(
    (receipt) => {
      writeSync(1, `${receipt.seq} ${receipt.hash}\n`);
      pump();
    },
    (error: unknown) => {
      writeSync(2, `append failed: ${String(error)}\n`);
      process.exit(3);
    },
  );
}
// Keep many appends in flight so kills land inside group-committed batches.
for (let i = 0; i < 64; i += 1) pump();
