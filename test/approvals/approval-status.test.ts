/**
 * `GET /v1/decisions/approvals/{id}`, the agent's read of where its approval request stands, over
 * real HTTP on a real regent whose company rule escalates posts to Slack: scope `decide` (the
 * agent's credential, not `approve`), the state and the approver's reason and nothing of the
 * action, 400 for a malformed id, 404 for an unknown one, and a lapsed request shown as expired.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Approval } from '../../src/approvals/approval.ts';
import { approvalStatusView } from '../../src/http/routes/approvals.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from './support.ts';

let server: ApprovalServer;

const as = (who: keyof typeof TOKENS, method: string, p: string, body?: unknown) =>
  server.request(method, p, { token: TOKENS[who].token, ...(body === undefined ? {} : { body }) });

async function escalated(note: string): Promise<{ id: string; expires_at: string }> {
  const res = await as('agent', 'POST', '/v1/decisions', staffPost(note));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.decision, 'escalate', res.text);
  return res.body.approval as { id: string; expires_at: string };
}

const status = (id: string, who: keyof typeof TOKENS = 'agent') => as(who, 'GET', `/v1/decisions/approvals/${id}`);

describe('GET /v1/decisions/approvals/{id}', () => {
  before(async () => {
    server = await startApprovalRegent();
  });
  after(async () => {
    await server.close();
  });

  it('tells the agent a waiting request is pending, and nothing of the action', async () => {
    const approval = await escalated('status pending');
    const res = await status(approval.id);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id: approval.id, state: 'pending', expires_at: approval.expires_at });
  });

  it('needs the decide scope: approve alone is refused, no credential is 401', async () => {
    const approval = await escalated('status scopes');
    assert.equal((await status(approval.id, 'approver')).status, 403);
    assert.equal((await server.request('GET', `/v1/decisions/approvals/${approval.id}`)).status, 401);
    assert.equal((await status(approval.id, 'operator')).status, 403, 'admin does not imply decide');
  });

  it('answers 400 for a malformed id and 404 for one it does not know', async () => {
    const cases = [
      { note: 'not a UUID', id: 'not-an-id', status: 400 },
      { note: 'upper-case hex', id: randomUUID().toUpperCase(), status: 400 },
      { note: 'a UUID nobody asked for', id: randomUUID(), status: 404 },
    ];
    for (const c of cases) {
      const res = await status(c.id);
      assert.equal(res.status, c.status, `${c.note}: ${res.text}`);
      assert.equal(res.body.code, c.status === 400 ? 'invalid_parameter' : 'resource_not_found', c.note);
    }
    const extra = await as('agent', 'GET', `/v1/decisions/approvals/${randomUUID()}?x=1`);
    assert.equal(extra.status, 400, 'unknown query parameters are refused');
  });

  it("shows approved with the approver's reason, then used once the identical ask ran", async () => {
    const approval = await escalated('status approved');
    const ok = await as('approver', 'POST', `/v1/approvals/${approval.id}/approve`, { reason: 'staff list is fine' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual((await status(approval.id)).body, {
      id: approval.id,
      state: 'approved',
      expires_at: approval.expires_at,
      reason: 'staff list is fine',
    });
    const used = await as('agent', 'POST', '/v1/decisions', staffPost('status approved'));
    assert.equal(used.body.decision, 'redact', used.text);
    assert.equal((await status(approval.id)).body.state, 'used');
  });

  it("shows rejected with the approver's reason and never who rejected", async () => {
    const approval = await escalated('status rejected');
    const no = await as('approver', 'POST', `/v1/approvals/${approval.id}/reject`, { reason: 'not to #general' });
    assert.equal(no.status, 200, no.text);
    const res = await status(approval.id);
    assert.deepEqual(res.body, {
      id: approval.id,
      state: 'rejected',
      expires_at: approval.expires_at,
      reason: 'not to #general',
    });
    assert.doesNotMatch(res.text, /carol/);
  });

  it('is GET only', async () => {
    const approval = await escalated('status methods');
    const res = await as('agent', 'POST', `/v1/decisions/approvals/${approval.id}`, {});
    assert.equal(res.status, 405, res.text);
  });
});

describe('approvalStatusView', () => {
  const base: Approval = {
    id: randomUUID(),
    version: 2,
    digest: 'a'.repeat(64),
    state: 'pending',
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-01-01T01:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    agent: 'hr-assistant',
    on_behalf_of: null,
    session_id: null,
    tool: 'slack.post_message',
    kind: 'send',
    action: { payload: { secret: 'never shown' } },
    reasons: [],
    decision_id: 'd-1',
    revision: 'r1',
    requested_by: null,
    decided_by: null,
    decided_at: null,
    decision_reason: null,
    used_at: null,
    used_by_decision: null,
    expiry_reported: false,
  };
  const before = Date.parse(base.expires_at) - 1;
  const after = Date.parse(base.expires_at);
  const cases: { note: string; approval: Approval; now: number; state: string; reason?: string }[] = [
    { note: 'a request before its expiry', approval: base, now: before, state: 'pending' },
    { note: 'a pending request past its expiry, not swept yet', approval: base, now: after, state: 'expired' },
    {
      note: 'an unused approval past its expiry (no longer usable; no reason shown)',
      approval: { ...base, state: 'approved', decision_reason: 'ok' },
      now: after,
      state: 'expired',
    },
    {
      note: 'a rejection past its expiry',
      approval: { ...base, state: 'rejected', decision_reason: 'no' },
      now: after,
      state: 'rejected',
      reason: 'no',
    },
    {
      note: 'a used approval',
      approval: { ...base, state: 'used', decision_reason: 'ok' },
      now: before,
      state: 'used',
      reason: 'ok',
    },
  ];
  for (const c of cases)
    it(`shows ${c.note} as ${c.state}`, () => {
      const view = approvalStatusView(c.approval, c.now);
      assert.deepEqual(view, {
        id: base.id,
        state: c.state,
        expires_at: base.expires_at,
        ...(c.reason === undefined ? {} : { reason: c.reason }),
      });
    });
});
