/**
 * The escalate outcome end to end, over real HTTP, on the real rego/ plus a company rule that
 * escalates posts to Slack, compiled by the real OPA toolchain: the decision records an approval
 * request bound to the exact action; an approver (scope `approve`) approves or rejects it; the
 * identical retry is allowed once; a changed action is a new request; every step is in the audit
 * trail's hash chain, which still verifies.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { verifyTrail } from '../../src/audit/verify.ts';
import { sampleValue } from '../support/metrics-text.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from './support.ts';

let server: ApprovalServer;

async function decide(body: unknown) {
  const res = await server.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body });
  assert.equal(res.status, 200, res.text);
  return res.body as Answer;
}

/** What the tests read of a decision. */
interface Answer {
  decision_id: string;
  decision: string;
  reasons: { code: string; message: string; details: Record<string, unknown> }[];
  redactions: { path: string }[];
  payload: any;
  approval: { id: string; state: string; url: string; expires_at: string };
}

const as = (who: keyof typeof TOKENS, method: string, p: string, body?: unknown) =>
  server.request(method, p, { token: TOKENS[who].token, ...(body === undefined ? {} : { body }) });

describe('escalate: approval of the exact action', () => {
  before(async () => {
    server = await startApprovalRegent();
  });
  after(async () => {
    await server.close();
  });

  it("answers escalate with the rule's reason and a pending approval request, the same one while it waits", async () => {
    const first = await decide(staffPost('waits'));
    assert.equal(first.decision, 'escalate', JSON.stringify(first));
    assert.deepEqual(
      first.reasons.map((r: { code: string }) => r.code),
      ['rules.review.slack_post'],
    );
    assert.deepEqual(first.redactions, []);
    assert.equal(first.payload, undefined);
    assert.equal(first.approval.state, 'pending');
    assert.match(first.approval.url, new RegExp(`/console/#/approvals/${first.approval.id}$`));
    assert.ok(Date.parse(first.approval.expires_at) > Date.now());
    const again = await decide(staffPost('waits'));
    assert.equal(again.decision, 'escalate');
    assert.equal(again.approval.id, first.approval.id);
    assert.notEqual(again.decision_id, first.decision_id);
  });

  it('lists and shows requests only to the approve scope, with the exact action to be run', async () => {
    const { approval } = await decide(staffPost('listed'));
    const list = await as('approver', 'GET', '/v1/approvals?state=pending&agent=hr-assistant');
    assert.equal(list.status, 200, list.text);
    const found = list.body.approvals.find((a: { id: string }) => a.id === approval.id);
    assert.deepEqual(found.action.payload, staffPost('listed').payload);
    assert.equal(found.agent, 'hr-assistant');
    assert.equal(found.requested_by.id, 'agent-gateway');
    assert.match(found.digest, /^[0-9a-f]{64}$/);
    assert.equal((await as('approver', 'GET', `/v1/approvals/${approval.id}`)).body.approval.id, approval.id);
    assert.equal((await as('agent', 'GET', '/v1/approvals')).status, 403);
    assert.equal((await server.request('GET', '/v1/approvals')).status, 401);
    assert.equal((await as('approver', 'GET', '/v1/approvals?state=waiting')).status, 400);
    assert.equal((await as('approver', 'GET', '/v1/approvals/not-an-id')).status, 404);
  });

  it('pages through requests newest first', async () => {
    for (const n of [1, 2, 3]) await decide(staffPost(`page ${n}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await as('approver', 'GET', `/v1/approvals?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.approvals.length <= 2);
      seen.push(...res.body.approvals.map((a: { created_at: string; id: string }) => `${a.created_at} ${a.id}`));
      cursor = res.body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [...seen].sort().reverse());
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= 3);
  });

  it('refuses an approval by a credential named as the agent that asked', async () => {
    const { approval } = await decide(staffPost('self'));
    const res = await as('agentApprover', 'POST', `/v1/approvals/${approval.id}/approve`, {});
    assert.equal(res.status, 403, res.text);
    assert.equal(res.body.code, 'approval.self_approval');
    assert.equal((await as('approver', 'GET', `/v1/approvals/${approval.id}`)).body.approval.state, 'pending');
  });

  it('allows the identical action once after approval, redacting as the policy says, then asks again', async () => {
    const { approval } = await decide(staffPost('approved'));
    const ok = await as('approver', 'POST', `/v1/approvals/${approval.id}/approve`, { reason: 'quarterly staff list' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.approval.state, 'approved');
    assert.deepEqual(ok.body.approval.decided_by, { id: 'carol', auth: 'bearer' });

    const used = await decide(staffPost('approved'));
    assert.equal(used.decision, 'redact', JSON.stringify(used));
    assert.deepEqual(
      used.redactions.map((r: { path: string }) => r.path),
      ['/payload/employees/*/home_address', '/payload/employees/*/salary'],
    );
    assert.equal(used.payload.employees[0].salary, '[REDACTED]');
    assert.equal(used.reasons[0]!.code, 'escalate.approved');
    assert.equal(used.reasons[0]!.details.approved_by, 'carol');
    assert.deepEqual([used.approval.id, used.approval.state], [approval.id, 'used']);

    const next = await decide(staffPost('approved'));
    assert.equal(next.decision, 'escalate');
    assert.notEqual(next.approval.id, approval.id);
    assert.equal((await as('approver', 'POST', `/v1/approvals/${approval.id}/approve`, {})).status, 409);
  });

  it('treats a changed payload, destination or principal as a new request and keeps the approval for the original', async () => {
    const { approval } = await decide(staffPost('original'));
    assert.equal((await as('approver', 'POST', `/v1/approvals/${approval.id}/approve`, {})).status, 200);
    const tampered = staffPost('original');
    tampered.payload.employees[0]!.salary = 1;
    const changedPayload = await decide(tampered);
    const elsewhere = staffPost('original');
    elsewhere.action.resource.id = '#random';
    const changedDestination = await decide(elsewhere);
    const forBob = {
      ...staffPost('original'),
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', groups: ['hr'], clearance: 'restricted' } },
    };
    const changedPrincipal = await decide(forBob);
    for (const d of [changedPayload, changedDestination, changedPrincipal]) {
      assert.equal(d.decision, 'escalate', JSON.stringify(d));
      assert.notEqual(d.approval.id, approval.id);
    }
    assert.equal(new Set([changedPayload, changedDestination, changedPrincipal].map((d) => d.approval.id)).size, 3);
    // Key order does not make another action.
    const reordered: unknown = JSON.parse(
      JSON.stringify(staffPost('original'), [
        'payload',
        'employees',
        'salary',
        'title',
        'name',
        'home_address',
        'note',
        'agent',
        'id',
        'action',
        'tool',
        'kind',
        'resource',
        'system',
        'data_flow',
        'sources',
        'labels',
        'classification',
        'destination',
        'audience',
      ]),
    );
    assert.equal((await decide(reordered)).decision, 'redact');
  });

  it("denies with escalate.rejected and the approver's reason after a rejection", async () => {
    const { approval } = await decide(staffPost('rejected'));
    const noReason = await as('approver', 'POST', `/v1/approvals/${approval.id}/reject`, {});
    assert.equal(noReason.status, 400, noReason.text);
    const no = await as('approver', 'POST', `/v1/approvals/${approval.id}/reject`, {
      reason: 'salaries stay in Workday',
    });
    assert.equal(no.status, 200, no.text);
    const denied = await decide(staffPost('rejected'));
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.reasons[0]!.code, 'escalate.rejected');
    assert.match(denied.reasons[0]!.message, /carol rejected this action: salaries stay in Workday/);
    assert.deepEqual([denied.approval.id, denied.approval.state], [approval.id, 'rejected']);
    assert.equal((await decide(staffPost('rejected'))).decision, 'deny');
  });

  it('lets exactly one of many concurrent identical retries use an approval', async () => {
    const { approval } = await decide(staffPost('race'));
    assert.equal((await as('approver', 'POST', `/v1/approvals/${approval.id}/approve`, {})).status, 200);
    const answers = await Promise.all(Array.from({ length: 12 }, () => decide(staffPost('race'))));
    const decisions = answers.map((a) => a.decision).sort();
    assert.equal(decisions.filter((d) => d === 'redact').length, 1, JSON.stringify(decisions));
    assert.equal(decisions.filter((d) => d === 'escalate').length, 11);
    // The losers wait on one new request, not eleven.
    assert.equal(new Set(answers.filter((a) => a.decision === 'escalate').map((a) => a.approval.id)).size, 1);
  });

  it('records every step in the audit trail, whose chain verifies', async () => {
    const page = await as('operator', 'GET', '/v1/audit?type=admin&limit=1000');
    assert.equal(page.status, 200, page.text);
    const steps = page.body.records
      .filter((r: { action: string }) => r.action.startsWith('approval.'))
      .map((r: { action: string }) => r.action);
    for (const step of ['approval.requested', 'approval.approved', 'approval.rejected', 'approval.used'])
      assert.ok(steps.includes(step), `${step} missing from ${steps.join(',')}`);
    const approved = page.body.records.find((r: { action: string }) => r.action === 'approval.approved');
    assert.deepEqual(approved.actor, { id: 'carol', auth: 'bearer' });
    assert.equal(approved.target.kind, 'approval');
    const escalated = await as('operator', 'GET', '/v1/audit?decision=escalate&limit=5');
    assert.ok(escalated.body.records.length > 0);
    assert.deepEqual(escalated.body.records[0].reason_codes, ['rules.review.slack_post']);
    const lines = (await readFile(server.regent.config.auditPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    const verified = verifyTrail(lines);
    assert.equal(verified.ok, true, JSON.stringify(verified));
  });

  it('counts steps and pending requests in closed label sets', async () => {
    const text = (await as('operator', 'GET', '/metrics')).text;
    assert.ok(sampleValue(text, 'regent_approval_outcomes_total{outcome="used"}') >= 2);
    assert.ok(sampleValue(text, 'regent_approval_outcomes_total{outcome="rejected"}') >= 1);
    assert.equal(sampleValue(text, 'regent_approval_outcomes_total{outcome="expired"}'), 0);
    assert.ok(sampleValue(text, 'regent_approvals_pending') >= 3);
    assert.ok(sampleValue(text, 'regent_decisions_total{decision="escalate"}') >= 10);
  });
});
