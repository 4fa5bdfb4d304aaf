/**
 * The approval service on a real file store with a clock the test moves: expiry (by the sweeper
 * and by an ask), `escalate.expired` answered once, approval after expiry refused, and a store
 * re-opened after a crash (a torn last line) keeping every request.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createApprovalMetrics } from '../../src/approvals/approval-metrics.ts';
import { ApprovalService } from '../../src/approvals/approval-service.ts';
import { FileApprovalStore } from '../../src/approvals/file-store.ts';
import type { AdminEntry } from '../../src/audit/record.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { PassThrough } from 'node:stream';
import { staffPost } from './support.ts';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';

let dir: string;
let store: FileApprovalStore;
let now: number;
let trail: AdminEntry[];

function service(ttlSeconds = 60) {
  return new ApprovalService({
    store,
    trail: {
      append: (e) => {
        trail.push(e);
        return Promise.resolve();
      },
      ready: () => Promise.resolve(),
      revision: () => 'rev-1',
    },
    metrics: createApprovalMetrics(new Registry(), () => store.countPending()),
    logger: createLogger({ level: 'error', stream: new PassThrough() }),
    ttlSeconds,
    urlBase: 'https://regent.example.com',
    now: () => now,
  });
}

const ask = (svc: ApprovalService, decisionId = 'd-1') =>
  svc.escalate({
    request: staffPost('expiry') as DecisionRequest,
    decisionId,
    reasons: [{ code: 'rules.review.slack_post', message: 'review' }],
    revision: 'rev-1',
    requestedBy: { id: 'agent-gateway', auth: 'bearer' },
  });
const carol = { id: 'carol', auth: 'bearer' } as const;

describe('ApprovalService with a moving clock', () => {
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-approval-service-'));
    store = await FileApprovalStore.open(path.join(dir, 'approvals.jsonl'));
    now = Date.parse('2026-03-02T09:00:00Z');
    trail = [];
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers escalate.expired once for a request nobody decided, then makes a new one', async () => {
    const svc = service(60);
    const first = await ask(svc);
    assert.equal(first.kind, 'pending');
    assert.equal(first.approval.url, `https://regent.example.com/console/#/approvals/${first.approval.id}`);
    now += 59_000;
    assert.equal((await ask(svc)).kind, 'pending');
    now += 1_000;
    const expired = await ask(svc);
    assert.deepEqual([expired.kind, expired.approval.id], ['expired', first.approval.id]);
    const fresh = await ask(svc);
    assert.equal(fresh.kind, 'pending');
    assert.notEqual(fresh.approval.id, first.approval.id);
    assert.deepEqual(
      trail.map((e) => e.action),
      ['approval.requested', 'approval.expired', 'approval.requested'],
    );
    assert.deepEqual(trail[1]?.actor, { id: 'regent', auth: null });
  });

  it('expires undecided requests in the sweep, and refuses to approve them afterwards', async () => {
    const svc = service(60);
    const { approval } = await ask(svc);
    assert.equal(await svc.sweep(3600), 0);
    now += 61_000;
    assert.equal(await svc.sweep(3600), 1);
    assert.equal((await store.get(approval.id))?.state, 'expired');
    await assert.rejects(svc.approve(approval.id, carol, null), { code: 'approval.not_pending' });
    assert.equal((await ask(svc)).kind, 'expired');
  });

  it('expires an approval nobody used: expired means denied', async () => {
    const svc = service(60);
    const { approval } = await ask(svc);
    await svc.approve(approval.id, carol, 'fine');
    now += 120_000;
    const late = await ask(svc);
    assert.equal(late.kind, 'expired');
    await assert.rejects(svc.approve(approval.id, carol, null), { code: 'approval.not_pending' });
  });

  it('refuses to approve past the expiry even before any sweep', async () => {
    const svc = service(60);
    const { approval } = await ask(svc);
    now += 60_000;
    await assert.rejects(svc.approve(approval.id, carol, null), { code: 'approval.expired', status: 409 });
    assert.equal((await store.get(approval.id))?.state, 'expired');
  });

  it('keeps every request across a crash that tore the last line', async () => {
    const svc = service(60);
    const { approval } = await ask(svc);
    await svc.approve(approval.id, carol, 'ok');
    const file = path.join(dir, 'approvals.jsonl');
    await store.close();
    await appendFile(file, '{"id":"torn-by-a-cra');
    store = await FileApprovalStore.open(file);
    assert.equal((await store.get(approval.id))?.state, 'approved');
    assert.equal((await readFile(file, 'utf8')).endsWith('\n'), true);
    const used = await ask(service(60));
    assert.equal(used.kind, 'approved');
  });

  it('refuses a second open of the same file while the first holds it', async () => {
    await assert.rejects(FileApprovalStore.open(path.join(dir, 'approvals.jsonl')), {
      code: 'approval.store_unavailable',
    });
  });
});
