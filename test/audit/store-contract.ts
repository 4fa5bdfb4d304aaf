/**
 * The behaviour every AuditStore must show, run against the file store and against a real
 * PostgreSQL. Each factory call gives a fresh, empty store.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { AuditQueryError, AuditRecordError, AuditUnavailableError } from '../../src/audit/errors.ts';
import type { SearchQuery } from '../../src/audit/query.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { AuditStore } from '../../src/audit/store.ts';
import { verifyTrail } from '../../src/audit/verify.ts';
import { admin, decision } from './helpers.ts';

/** A fresh store, the key its checkpoints are signed with (everyRecords: 10), and a way to open it again. */
export interface FreshStore {
  store: AuditStore;
  publicKey: KeyObject;
  /** Opens another store on the same trail (after `store` was closed). */
  reopen: () => Promise<AuditStore>;
}

/** Makes a fresh, empty store. */
export type StoreFactory = () => Promise<FreshStore>;

/** Every record, oldest first, read through the public search API. */
export async function readAll(store: AuditStore): Promise<AuditRecord[]> {
  const all: AuditRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.search(cursor === null ? { limit: 1000 } : { limit: 1000, cursor });
    all.push(...page.records);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return all;
}

/** Registers the contract suite for one store kind. */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name}: the AuditStore contract`, () => {
    const open: AuditStore[] = [];
    const fresh = async (): Promise<FreshStore> => {
      const made = await factory();
      open.push(made.store);
      return made;
    };
    after(async () => {
      for (const store of open) await store.close().catch(() => undefined);
    });

    it('gives each append the next seq and reports it as the head', async () => {
      const { store } = await fresh();
      const first = await store.append(decision(1));
      const second = await store.append(admin());
      assert.deepEqual([first.seq, second.seq], [1, 2]);
      assert.deepEqual(await store.head(), { seq: 2, hash: second.hash });
    });

    it('keeps 500 concurrent appends on one chain that verifies with checkpoints every 10', async () => {
      const { store, publicKey } = await fresh();
      const receipts = await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(decision(i))));
      const all = await readAll(store);
      const result = verifyTrail(all, { publicKeys: [publicKey] });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.decisions, 500);
      assert.equal(result.checkpoints, 50);
      assert.equal(new Set(receipts.map((r) => r.seq)).size, 500);
      for (const receipt of receipts) assert.equal(all[receipt.seq - 1]?.hash, receipt.hash);
    });

    it('returns a session steps in order, and only that session', async () => {
      const { store } = await fresh();
      for (let step = 1; step <= 6; step += 1) {
        await store.append(decision(step, { session: { id: step % 2 === 0 ? 'sess-even' : 'sess-odd', step } }));
      }
      await store.append(decision(99, { session: null }));
      const steps = await store.sessionSteps('sess-even');
      assert.deepEqual(
        steps.map((r) => (r.type === 'decision' ? r.session?.step : null)),
        [2, 4, 6],
      );
      assert.deepEqual(await store.sessionSteps('no-such-session'), []);
    });

    it('answers searches by agent, decision, type and time, oldest first', async () => {
      const { store } = await fresh();
      const t = (minute: number): string => `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;
      await store.append(
        decision(1, { time: t(1), agent: { id: 'a1', on_behalf_of: null }, decision: 'allow', reason_codes: [] }),
      );
      await store.append(decision(2, { time: t(2), agent: { id: 'a2', on_behalf_of: null } }));
      await store.append({ ...admin(), time: t(3) });
      await store.append(decision(4, { time: t(4), agent: { id: 'a1', on_behalf_of: null } }));
      const cases: { note: string; query: SearchQuery; want: number[] }[] = [
        { note: 'everything', query: { limit: 10 }, want: [1, 2, 3, 4] },
        { note: 'one agent', query: { limit: 10, agent: 'a1' }, want: [1, 4] },
        { note: 'denials only', query: { limit: 10, decision: 'deny' }, want: [2, 4] },
        { note: 'admin records only', query: { limit: 10, type: 'admin' }, want: [3] },
        { note: 'since is inclusive', query: { limit: 10, since: t(2) }, want: [2, 3, 4] },
        { note: 'until is exclusive', query: { limit: 10, until: t(3) }, want: [1, 2] },
        { note: 'filters combine', query: { limit: 10, agent: 'a1', since: t(2), decision: 'deny' }, want: [4] },
      ];
      for (const c of cases) {
        const page = await store.search(c.query);
        assert.deepEqual(
          page.records.map((r) => r.seq),
          c.want,
          c.note,
        );
        assert.equal(page.next_cursor, null, c.note);
      }
    });

    it('pages with an opaque cursor, each record exactly once', async () => {
      const { store } = await fresh();
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.append(decision(i))));
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.search({ limit: 10, type: 'decision', ...(cursor === null ? {} : { cursor }) });
        seen.push(...page.records.map((r) => r.seq));
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor !== null);
      assert.equal(pages, 3);
      assert.equal(seen.length, 25);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
      );
    });

    it('rejects a bad cursor, limit or time as invalid_parameter', async () => {
      const { store } = await fresh();
      for (const query of [
        { limit: 0 },
        { limit: 5000 },
        { limit: 5, cursor: 'not-a-cursor' },
        { limit: 5, since: 'yesterday' },
      ]) {
        await assert.rejects(store.search(query), (error: unknown) => error instanceof AuditQueryError);
      }
    });

    it('refuses a malformed entry without touching the chain', async () => {
      const { store } = await fresh();
      await store.append(decision(1));
      const cases = [
        { note: 'a deny without a reason', entry: decision(2, { reason_codes: [] }) },
        { note: 'an input digest that is not sha256 hex', entry: decision(2, { input_digest: 'abc' }) },
        { note: 'a fractional latency', entry: decision(2, { latency_us: 1.5 }) },
        { note: 'an admin action without a dotted name', entry: { ...admin(), action: 'drop' } },
      ];
      for (const c of cases) {
        await assert.rejects(store.append(c.entry), (error: unknown) => error instanceof AuditRecordError, c.note);
      }
      assert.equal((await store.head()).seq, 1);
    });

    it('signs the tail on close and refuses appends afterwards', async () => {
      const { store, publicKey, reopen } = await fresh();
      await store.append(decision(1));
      await store.close();
      await assert.rejects(store.append(decision(2)), (error: unknown) => error instanceof AuditUnavailableError);
      const reopened = await reopen();
      open.push(reopened);
      const result = verifyTrail(await readAll(reopened), { publicKeys: [publicKey] });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.deepEqual([result.records, result.checkpoints, result.unsigned_tail], [2, 1, 0]);
      const next = await reopened.append(decision(2));
      assert.equal(next.seq, 3, 'a reopened store continues the chain');
    });
  });
}
