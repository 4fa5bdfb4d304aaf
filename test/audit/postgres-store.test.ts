/**
 * The PostgreSQL store against a real, throwaway PostgreSQL: the shared contract, replicas
 * appending concurrently onto one chain, and an outage (unavailable while down, working again
 * once the server is back).
 */
import assert from 'node:assert/strict';
import { execFile as execFileCb } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AuditUnavailableError } from '../../src/audit/errors.ts';
import { PostgresAuditStore, type PostgresStoreOptions } from '../../src/audit/postgres-store.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { decision, signerPair, storeOptions } from './helpers.ts';
import { describeStoreContract, readAll } from './store-contract.ts';

const keys = signerPair();
let server: PostgresServer;
let tables = 0;

before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.destroy();
});

function options(table: string, over: Partial<PostgresStoreOptions> = {}): PostgresStoreOptions {
  return {
    ...storeOptions({ onError: () => undefined }, keys.signer),
    connectionString: server.url,
    table,
    timeoutMs: 2000,
    ...over,
  };
}

const isUnavailable = (error: unknown): boolean =>
  error instanceof AuditUnavailableError && error.code === 'audit.unavailable';

describeStoreContract('postgres store', async () => {
  const table = `audit_contract_${++tables}`;
  return {
    store: await PostgresAuditStore.open(options(table)),
    publicKey: keys.publicKey,
    reopen: () => PostgresAuditStore.open(options(table)),
  };
});

describe('postgres store: commits', () => {
  it('reports each committed transaction: the record counts add up to the rows written', async () => {
    const commits: number[] = [];
    const store = await PostgresAuditStore.open(
      options('audit_commits', { onCommit: (records) => commits.push(records) }),
    );
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(decision(i))));
    const all = await readAll(store);
    const reported = commits.reduce((a, b) => a + b, 0);
    await store.close();
    assert.equal(reported, all.length);
    assert.ok(all.length > 100, 'checkpoints are records too');
    assert.ok(commits.length < 100, `${commits.length} transactions for 100 concurrent appends`);
  });
});

describe('postgres store: several replicas', () => {
  it('keeps one valid chain when two replicas append concurrently', async () => {
    const table = 'audit_replicas';
    const [a, b] = await Promise.all([
      PostgresAuditStore.open(options(table, { origin: 'replica-a' })),
      PostgresAuditStore.open(options(table, { origin: 'replica-b' })),
    ]);
    const receipts = await Promise.all(
      Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? a : b).append(decision(i))),
    );
    await Promise.all([a.close(), b.close()]);
    const reader = await PostgresAuditStore.open(options(table));
    const all = await readAll(reader);
    await reader.close();
    const result = verifyTrail(all, { publicKeys: [keys.publicKey] });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.decisions, 600);
    assert.equal(new Set(receipts.map((r) => r.seq)).size, 600);
    const origins = new Set(all.map((r) => r.origin));
    assert.deepEqual([...origins].sort(), ['replica-a', 'replica-b']);
  });

  it('refuses updates, deletes and truncation of stored records', async () => {
    const table = 'audit_append_only';
    const store = await PostgresAuditStore.open(options(table));
    await store.append(decision(1));
    await store.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (const sql of [`UPDATE ${table} SET decision = 'allow'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        await assert.rejects(client.query(sql), /append-only/, sql);
      }
    } finally {
      await client.end();
    }
  });
});

describe('postgres store: export', () => {
  it('exports the trail from the database as raw records that verify, with filters applied', async () => {
    const table = 'audit_export';
    const store = await PostgresAuditStore.open(options(table));
    for (let i = 1; i <= 30; i += 1) {
      await store.append(decision(i, { agent: { id: i % 2 === 0 ? 'even-agent' : 'odd-agent', on_behalf_of: null } }));
    }
    await store.close();
    // `regent audit export` (the CLI replaced scripts/audit-export.ts).
    const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
    const execFile = promisify(execFileCb);
    const all = await execFile(process.execPath, [
      cli,
      'audit',
      'export',
      '--database-url',
      server.url,
      '--table',
      table,
      '--format',
      'raw',
    ]);
    const lines = all.stdout.trim().split('\n');
    const result = verifyTrail(lines, { publicKeys: [keys.publicKey] });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.decisions, 30);
    const even = await execFile(process.execPath, [
      cli,
      'audit',
      'export',
      '--database-url',
      server.url,
      '--table',
      table,
      '--agent',
      'even-agent',
    ]);
    assert.equal(even.stdout.trim().split('\n').length, 15);
  });
});

describe('postgres store: outage', () => {
  it('rejects with audit.unavailable while the database is down and appends again once it is back', async () => {
    const store = await PostgresAuditStore.open(options('audit_outage', { retryMs: 0 }));
    try {
      await store.append(decision(1));
      await server.stop();
      await assert.rejects(store.append(decision(2)), isUnavailable);
      await assert.rejects(store.sessionSteps('sess-1'), isUnavailable);
      await server.start();
      const receipt = await store.append(decision(3));
      assert.equal(receipt.seq, 2, 'the failed append left no record behind');
      const result = verifyTrail(await readAll(store), { publicKeys: [keys.publicKey] });
      assert.equal(result.ok, true, JSON.stringify(result));
    } finally {
      await store.close();
    }
  });

  it('fails to open while the database is unreachable, with a typed error', async () => {
    await assert.rejects(
      PostgresAuditStore.open(
        options('audit_unreachable', { connectionString: 'postgres://postgres@127.0.0.1:1/postgres' }),
      ),
      isUnavailable,
    );
  });
});
