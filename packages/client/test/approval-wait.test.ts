/**
 * @regent/client waiting for a person against stand-in servers on loopback: `approvalStatus`
 * reads `GET /v1/decisions/approvals/{id}` and trusts nothing malformed; `waitForApproval` polls
 * until a final state, the deadline or an abort, and ends as `unknown` (never approved) on any
 * failure; `decideAfterApproval` asks again with the identical request, whose answer alone counts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { RegentClient, type Decision, type DecisionRequest } from '../src/index.ts';

const request: DecisionRequest = {
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send' },
  payload: { text: 'hi' },
};

/** An escalate answer for approval `id`. */
function escalate(id: string, state: 'pending' | 'rejected' = 'pending'): Decision {
  return {
    decision_id: 'd-1',
    decision: 'escalate',
    reasons: [{ code: 'rules.review.slack_post', message: 'A person reviews this.' }],
    redactions: [],
    approval: { id, state, expires_at: '2099-01-01T00:00:00.000Z', url: `/console/#/approvals/${id}` },
    policy: { revision: 'r1' },
  };
}

type Handler = (req: http.IncomingMessage, body: string) => { status: number; body: unknown } | 'hang';

/** A server answering each request with `handler`; records method and path of each. */
async function stub(handler: Handler) {
  const seen: { method: string; url: string; body: string; auth: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
      const answer = handler(req, body);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('@regent/client waits for approvals and fails closed', () => {
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });
  const serve = async (handler: Handler, options: { token?: string; timeoutMs?: number } = {}) => {
    const s = await stub(handler);
    const client = new RegentClient({ url: s.url, timeoutMs: options.timeoutMs ?? 500, ...options });
    closers.push(s.close, () => client.close());
    return { s, client };
  };
  const status = (id: string, state: string, extra: Record<string, unknown> = {}) => ({
    status: 200,
    body: { id, state, expires_at: '2099-01-01T00:00:00.000Z', ...extra },
  });

  it('reads a status with a GET and the bearer token, with the reason a person gave', async () => {
    const id = randomUUID();
    const { s, client } = await serve(() => status(id, 'rejected', { reason: 'no' }), { token: 'agent-token' });
    const answer = await client.approvalStatus(id);
    assert.deepEqual(answer, {
      ok: true,
      status: { id, state: 'rejected', expires_at: '2099-01-01T00:00:00.000Z', reason: 'no' },
    });
    assert.deepEqual(
      s.seen.map((r) => [r.method, r.url, r.body, r.auth]),
      [['GET', `/v1/decisions/approvals/${id}`, '', 'Bearer agent-token']],
    );
  });

  const unreadable: { note: string; answer: (id: string) => { status: number; body: unknown } }[] = [
    { note: 'a 404', answer: () => ({ status: 404, body: { code: 'resource_not_found', message: 'no such' } }) },
    { note: 'a 500', answer: () => ({ status: 500, body: { code: 'internal_error', message: 'internal error' } }) },
    { note: 'an unknown state', answer: (id) => status(id, 'maybe') },
    { note: 'another request', answer: () => status(randomUUID(), 'approved') },
    { note: 'no expiry', answer: (id) => ({ status: 200, body: { id, state: 'approved' } }) },
    { note: 'a reason that is not text', answer: (id) => status(id, 'approved', { reason: 1 }) },
  ];
  for (const c of unreadable)
    it(`ends the wait as unknown, not approved, on ${c.note}`, async () => {
      const id = randomUUID();
      const { client } = await serve(() => c.answer(id));
      const wait = await client.waitForApproval(escalate(id), { deadlineMs: 60_000, intervalMs: 1 });
      assert.equal(wait.state, 'unknown');
      assert.equal(wait.ended, 'error');
      assert.ok((wait.error ?? '') !== '');
    });

  it('ends the wait as unknown when regent is unreachable or slower than the call deadline', async () => {
    const id = randomUUID();
    const { client } = await serve(() => 'hang', { timeoutMs: 50 });
    const slow = await client.waitForApproval(escalate(id), { deadlineMs: 60_000, intervalMs: 1 });
    assert.deepEqual([slow.state, slow.ended], ['unknown', 'error']);
    const gone = new RegentClient({ url: 'http://127.0.0.1:9', retries: 0 });
    closers.push(() => gone.close());
    const down = await gone.waitForApproval(escalate(id), { deadlineMs: 60_000, intervalMs: 1 });
    assert.deepEqual([down.state, down.ended], ['unknown', 'error']);
  });

  it('never puts anything but a UUID into the path', async () => {
    const { s, client } = await serve(() => status('x', 'approved'));
    const wait = await client.waitForApproval(escalate('../../v1/approvals'), { deadlineMs: 1000 });
    assert.deepEqual([wait.state, wait.ended], ['unknown', 'error']);
    assert.equal(s.seen.length, 0);
  });

  it('polls while pending and ends with the final state and its reason', async () => {
    const id = randomUUID();
    let reads = 0;
    const { s, client } = await serve(() =>
      ++reads < 4 ? status(id, 'pending') : status(id, 'approved', { reason: 'ok' }),
    );
    const wait = await client.waitForApproval(escalate(id), { deadlineMs: 60_000, intervalMs: 1 });
    assert.deepEqual(wait, { state: 'approved', ended: 'decided', reason: 'ok' });
    assert.equal(s.seen.length, 4);
  });

  it('ends as pending when the deadline passes first', async () => {
    const id = randomUUID();
    const { s, client } = await serve(() => status(id, 'pending'));
    const wait = await client.waitForApproval(escalate(id), { deadlineMs: 30, intervalMs: 5 });
    assert.deepEqual(wait, { state: 'pending', ended: 'deadline' });
    assert.ok(s.seen.length >= 1);
  });

  it('ends as pending when the caller aborts, without another read', async () => {
    const id = randomUUID();
    const controller = new AbortController();
    const { s, client } = await serve(() => {
      controller.abort();
      return status(id, 'pending');
    });
    const wait = await client.waitForApproval(escalate(id), {
      deadlineMs: 60_000,
      intervalMs: 60_000,
      signal: controller.signal,
    });
    assert.deepEqual([wait.state, wait.ended], ['pending', 'aborted']);
    assert.equal(s.seen.length, 1);
  });

  it('does not poll an answer whose request is already decided, nor one without a request', async () => {
    const { s, client } = await serve(() => status('x', 'approved'));
    assert.deepEqual(await client.waitForApproval(escalate(randomUUID(), 'rejected'), { deadlineMs: 1000 }), {
      state: 'rejected',
      ended: 'decided',
    });
    const { approval: _none, ...withoutApproval } = escalate(randomUUID());
    const wait = await client.waitForApproval(withoutApproval, { deadlineMs: 1000 });
    assert.deepEqual([wait.state, wait.ended], ['unknown', 'error']);
    assert.equal(s.seen.length, 0);
  });

  it('asks again with the identical request after the wait, and returns that answer whatever the wait saw', async () => {
    const id = randomUUID();
    const cases = [
      { note: 'approved: the re-ask allows', state: 'approved', reask: 'allow' },
      { note: 'pending at the deadline: the re-ask escalates again', state: 'pending', reask: 'escalate' },
      { note: 'rejected: the re-ask denies', state: 'rejected', reask: 'deny' },
    ];
    for (const c of cases) {
      const posts: string[] = [];
      const { client } = await serve((req, body) => {
        if (req.method === 'GET') return status(id, c.state);
        posts.push(body);
        return {
          status: 200,
          body:
            c.reask === 'allow'
              ? { decision_id: 'd-2', decision: 'allow', reasons: [], redactions: [], policy: { revision: 'r1' } }
              : { ...escalate(id), decision: c.reask, decision_id: 'd-2' },
        };
      });
      const d = await client.decideAfterApproval(request, escalate(id), { deadlineMs: 20, intervalMs: 5 });
      assert.equal(d.decision, c.reask, c.note);
      assert.deepEqual(
        posts.map((p) => JSON.parse(p) as unknown),
        [request],
        `${c.note}: one identical re-ask`,
      );
    }
  });

  it('returns an answer that is not an escalate, or a zero deadline, as it is, asking nothing', async () => {
    const { s, client } = await serve(() => status('x', 'approved'));
    const deny: Decision = { ...escalate(randomUUID()), decision: 'deny' };
    assert.equal(await client.decideAfterApproval(request, deny, { deadlineMs: 1000 }), deny);
    const waiting = escalate(randomUUID());
    assert.equal(await client.decideAfterApproval(request, waiting, { deadlineMs: 0 }), waiting);
    assert.equal(s.seen.length, 0);
  });

  it('denies with client.aborted, naming the request, when the caller stops waiting', async () => {
    const id = randomUUID();
    const controller = new AbortController();
    const { s, client } = await serve(() => {
      controller.abort();
      return status(id, 'pending');
    });
    const d = await client.decideAfterApproval(request, escalate(id), {
      deadlineMs: 60_000,
      signal: controller.signal,
    });
    assert.equal(d.decision, 'deny');
    assert.equal(d.reasons[0]?.code, 'client.aborted');
    assert.equal(d.approval?.id, id);
    assert.ok(
      s.seen.every((r) => r.method === 'GET'),
      'no re-ask after an abort',
    );
  });
});
