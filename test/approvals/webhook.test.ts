/**
 * The approval webhook against a real receiver on loopback: each step arrives as JSON a chat
 * incoming webhook accepts (`text`), signed so the receiver can check it with the shared secret,
 * without the payload; a receiver that answers 5xx gets the notification again later (backoff),
 * and a receiver that hangs never holds up a decision.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../support/http-receiver.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from './support.ts';

const SECRET = 'webhook-shared-secret-for-tests';

/** What a receiver does with `regent-signature`: recompute the HMAC over `t.body` and compare. */
function verify(header: string | undefined, raw: Buffer, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (m === null) return false;
  const want = createHmac('sha256', secret).update(`${m[1]}.`).update(raw).digest();
  return timingSafeEqual(want, Buffer.from(m[2] as string, 'hex'));
}

describe('the approval webhook, delivered to a real receiver', () => {
  let receiver: Receiver;
  let server: ApprovalServer;
  before(async () => {
    receiver = await startReceiver();
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-webhook-'));
    const secretFile = path.join(dir, 'secret');
    await writeFile(secretFile, `${SECRET}\n`);
    server = await startApprovalRegent({
      approvalWebhookUrl: `${receiver.url}/hooks/regent`,
      approvalWebhookSecretFile: secretFile,
      approvalUrlBase: 'https://regent.example.com',
    });
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('never holds up a decision, even while the receiver hangs', async () => {
    receiver.answer = 'hang';
    const first = await server.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body: staffPost('hang') });
    assert.equal(first.body.decision, 'escalate');
    await receiver.until(() => receiver.attempts >= 1, 30_000);
    // The notification is held by the receiver; decisions still answer.
    const second = await server.request('POST', '/v1/decisions', {
      token: TOKENS.agent.token,
      body: staffPost('while hanging'),
    });
    assert.equal(second.status, 200);
    assert.equal(second.body.decision, 'escalate');
    assert.equal(receiver.received.length, 0);
  });

  it('retries with backoff on 5xx, then delivers signed JSON with a chat text and no payload', async () => {
    receiver.answer = 503;
    const before = receiver.attempts;
    await receiver.until(() => receiver.attempts >= before + 2, 30_000);
    receiver.answer = 200;
    await receiver.until((r) => r.length >= 2, 30_000);
    const metrics = await server.request('GET', '/metrics', { token: TOKENS.operator.token });
    const retried = /regent_approval_notifications_total\{result="retried"\} (\d+)/.exec(metrics.text);
    assert.ok(Number(retried?.[1]) >= 2, metrics.text);
    for (const got of receiver.received) {
      assert.equal(got.method, 'POST');
      assert.equal(got.path, '/hooks/regent');
      assert.match(String(got.headers['content-type']), /^application\/json/);
      assert.ok(verify(got.headers['regent-signature'] as string, got.raw, SECRET), 'signature verifies');
      assert.ok(!verify(got.headers['regent-signature'] as string, got.raw, 'another secret'));
      const tampered = Buffer.from(got.raw.toString('utf8').replace('hr-assistant', 'hr-assistanT'));
      assert.ok(!verify(got.headers['regent-signature'] as string, tampered, SECRET), 'a changed body fails');
      const body = got.json as { text: string; event: string; approval: { id: string; url: string } };
      assert.equal(body.event, 'approval.requested');
      assert.match(body.text, /^regent: hr-assistant send with slack\.post_message asks for approval: /);
      assert.match(body.text, /<https:\/\/regent\.example\.com\/console\/#\/approvals\/[0-9a-f-]{36}>$/);
      assert.equal(body.approval.url, `https://regent.example.com/console/#/approvals/${body.approval.id}`);
      assert.doesNotMatch(got.raw.toString('utf8'), /salary|180000|Main St/);
    }
  });

  it('announces an approval made through the API', async () => {
    const asked = await server.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body: staffPost('ok') });
    const id = asked.body.approval.id as string;
    const ok = await server.request('POST', `/v1/approvals/${id}/approve`, {
      token: TOKENS.approver.token,
      body: { reason: 'fine' },
    });
    assert.equal(ok.status, 200, ok.text);
    await receiver.until((r) => r.some((x) => (x.json as { event: string }).event === 'approval.approved'), 30_000);
    const approved = receiver.received.find((x) => (x.json as { event: string }).event === 'approval.approved');
    assert.match((approved?.json as { text: string }).text, /was approved by carol: fine/);
    assert.ok(verify(approved?.headers['regent-signature'] as string, approved?.raw ?? Buffer.alloc(0), SECRET));
  });
});
