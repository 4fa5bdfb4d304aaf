/**
 * The approval stores' contract, run against each real store: the fsynced file, PostgreSQL (a
 * throwaway cluster) and Redis (a throwaway server). For the shared stores two store instances
 * stand for two replicas: creation per digest and every change are compare-and-set, so of many
 * concurrent changes from either exactly one wins.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Approval } from '../../src/approvals/approval.ts';
import { FileApprovalStore } from '../../src/approvals/file-store.ts';
import { PostgresApprovalStore } from '../../src/approvals/postgres-store.ts';
import { RedisApprovalStore } from '../../src/approvals/redis-store.ts';
import type { ApprovalStore } from '../../src/approvals/store.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { start as startRedis, type TestRedis } from '../support/redis-server.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');

function approval(digest: string, n: number, over: Partial<Approval> = {}): Approval {
  const at = new Date(T0 + n * 1000).toISOString();
  return {
    id: randomUUID(),
    version: 1,
    digest,
    state: 'pending',
    created_at: at,
    expires_at: new Date(T0 + n * 1000 + 3_600_000).toISOString(),
    updated_at: at,
    agent: n % 2 === 0 ? 'hr-assistant' : 'eng-assistant',
    on_behalf_of: null,
    session_id: null,
    tool: 'slack.post_message',
    kind: 'send',
    action: { payload: { n } },
    reasons: [{ code: 'rules.review.x', message: 'm' }],
    decision_id: `d-${n}`,
    revision: 'r',
    requested_by: null,
    decided_by: null,
    decided_at: null,
    decision_reason: null,
    used_at: null,
    used_by_decision: null,
    expiry_reported: false,
    ...over,
  };
}

const next = (a: Approval, patch: Partial<Approval>): Approval => ({ ...a, ...patch, version: a.version + 1 });

/** The contract; `open()` gives a store on the shared state (another replica, when shared). */
function contract(name: string, open: () => Promise<ApprovalStore>) {
  describe(`approval store contract: ${name}`, () => {
    let a: ApprovalStore;
    let b: ApprovalStore;
    before(async () => {
      a = await open();
      b = name === 'file' ? a : await open();
    });
    after(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('creates once per digest: a create that expected a stale latest stores nothing', async () => {
      const digest = randomUUID().replaceAll('-', '');
      const first = approval(digest, 1);
      assert.equal(await a.create(first, null), true);
      assert.equal(await b.create(approval(digest, 2), null), false);
      assert.equal((await b.latest(digest))?.id, first.id);
      const second = approval(digest, 3);
      assert.equal(await b.create(second, first.id), true);
      assert.equal((await a.latest(digest))?.id, second.id);
      assert.deepEqual(await a.get(first.id), first);
    });

    it('lets exactly one of many concurrent changes of one version win, whichever replica', async () => {
      const x = approval(randomUUID(), 4);
      assert.equal(await a.create(x, null), true);
      const tries = Array.from({ length: 16 }, (_, i) =>
        (i % 2 === 0 ? a : b).update(next(x, { state: 'used', used_by_decision: `u-${i}` })),
      );
      const won = (await Promise.all(tries)).filter(Boolean);
      assert.equal(won.length, 1);
      const stored = await a.get(x.id);
      assert.deepEqual([stored?.state, stored?.version], ['used', 2]);
      assert.equal(await b.update(next(x, { state: 'approved' })), false);
    });

    it('lists newest first, filtered by state and agent, page by page', async () => {
      const digest = randomUUID();
      const made: Approval[] = [];
      for (let n = 10; n < 15; n++) {
        const x = approval(`${digest}-${n}`, n, { agent: `lister-${name}` });
        assert.equal(await a.create(x, null), true);
        made.push(x);
      }
      assert.equal(await a.update(next(made[0] as Approval, { state: 'rejected' })), true);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await b.list({
          agent: `lister-${name}`,
          state: 'pending',
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.approvals.map((x) => x.id));
        if (page.next_cursor === null) break;
        cursor = page.next_cursor;
      }
      assert.deepEqual(
        seen,
        made
          .slice(1)
          .reverse()
          .map((x) => x.id),
      );
    });

    it('finds lapsed open requests, counts pending ones, and purges final ones past retention', async () => {
      const before = await a.countPending();
      const lapsed = approval(randomUUID(), 20, { expires_at: new Date(T0 - 1000).toISOString() });
      assert.equal(await a.create(lapsed, null), true);
      assert.equal(await b.countPending(), before + 1);
      assert.ok((await b.lapsed(T0, 1000)).some((x) => x.id === lapsed.id));
      assert.equal(await a.update(next(lapsed, { state: 'expired' })), true);
      assert.equal(await b.countPending(), before);
      assert.ok(!(await b.lapsed(T0, 1000)).some((x) => x.id === lapsed.id));
      if (name !== 'redis') {
        // Redis forgets by key TTL instead (the purge only tidies its indexes).
        await a.purge(T0);
        assert.equal(await b.get(lapsed.id), null);
      }
    });
  });
}

let dir: string;
let pg: PostgresServer;
let redis: TestRedis;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'regent-approval-stores-'));
  pg = await startPostgres();
  redis = await startRedis();
});
after(async () => {
  await pg?.destroy();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

contract('file', () => FileApprovalStore.open(path.join(dir, 'approvals.jsonl')));
contract('postgres', () => PostgresApprovalStore.open({ connectionString: pg.url }));
contract('redis', async () => {
  const store = new RedisApprovalStore({ url: redis.url, keyPrefix: 'regent:test:', retentionSeconds: 60 });
  assert.ok(await store.waitUntilReady(5000));
  return store;
});
