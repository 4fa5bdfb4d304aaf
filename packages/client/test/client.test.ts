/**
 * @regent/client against stand-in servers on loopback: every way an exchange can fail resolves
 * to a deny with a `client.*` reason, never an allow, and only connect failures are retried.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { RegentClient, CLIENT_CODES, type DecisionRequest } from '../src/index.ts';

const request: DecisionRequest = {
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send' },
  payload: { text: 'hi' },
};

/** A server answering each request with `answer`; records what it received. */
async function stub(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const seen: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, url: req.url ?? '' });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const json = (status: number, body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'echoed' });
  res.end(JSON.stringify(body));
};

const allow = { decision_id: 'd-1', decision: 'allow', reasons: [], redactions: [], policy: { revision: 'r1' } };

describe('@regent/client fails closed', () => {
  const servers: { close(): Promise<void> }[] = [];
  const clients: RegentClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of servers) await s.close();
  });
  const client = (url: string, extra: Partial<ConstructorParameters<typeof RegentClient>[0]> = {}) => {
    const c = new RegentClient({ url, timeoutMs: 500, ...extra });
    clients.push(c);
    return c;
  };

  const malformed: { note: string; body: unknown }[] = [
    { note: 'not an object', body: ['allow'] },
    { note: 'no decision id', body: { ...allow, decision_id: undefined } },
    { note: 'an unknown decision', body: { ...allow, decision: 'permit' } },
    { note: 'a deny without a reason', body: { ...allow, decision: 'deny' } },
    { note: 'an allow with redactions', body: { ...allow, redactions: [{ path: '/payload/x', reason: 'r' }] } },
    {
      note: 'a redact without the redacted payload',
      body: { ...allow, decision: 'redact', redactions: [{ path: '/payload/x', reason: 'r' }] },
    },
    { note: 'reasons of the wrong shape', body: { ...allow, decision: 'deny', reasons: [{ code: 1 }] } },
    { note: 'no policy revision', body: { ...allow, policy: {} } },
    { note: 'an escalate without a reason', body: { ...allow, decision: 'escalate' } },
  ];
  for (const c of malformed) {
    it(`denies a 200 answer that is ${c.note} (client.malformed_answer)`, async () => {
      const s = await stub(json(200, c.body));
      servers.push(s);
      const d = await client(s.url).decide(request);
      assert.equal(d.decision, 'deny');
      assert.equal(d.reasons[0]?.code, CLIENT_CODES.malformed);
      assert.equal(d.fail_closed, true);
    });
  }

  it('passes an escalate on as not allowed, with its approval', async () => {
    const approval = { id: 'a-1', state: 'pending', expires_at: '2026-12-07T02:00:00Z', url: 'http://r/approvals/a-1' };
    const reason = { code: 'rules.x.needs_approval', message: 'A person must approve.' };
    const s = await stub(json(200, { ...allow, decision: 'escalate', reasons: [reason], approval }));
    servers.push(s);
    const d = await client(s.url).decide(request);
    assert.equal(d.decision, 'escalate');
    assert.deepEqual(d.approval, approval);
    assert.equal(d.fail_closed, undefined);
  });

  it('denies a non-2xx answer, naming the status and regent code (client.http_error)', async () => {
    const s = await stub(json(503, { code: 'no_policy', message: 'no revision', decision: 'deny' }));
    servers.push(s);
    const d = await client(s.url).decide(request);
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.reasons[0]?.details, { status: 503, regent_code: 'no_policy' });
    assert.equal(s.seen.length, 1, 'an answered request is never retried');
  });

  it('denies when regent does not answer before the deadline (client.timeout)', async () => {
    const s = await stub(() => undefined); // never answers
    servers.push(s);
    const d = await client(s.url, { timeoutMs: 100 }).decide(request);
    assert.equal(d.reasons[0]?.code, CLIENT_CODES.timeout);
    assert.equal(s.seen.length, 1);
  });

  it("denies when the caller's signal aborts (client.aborted)", async () => {
    const s = await stub(() => undefined);
    servers.push(s);
    const ac = new AbortController();
    const pending = client(s.url, { timeoutMs: 5000 }).decide(request, { signal: ac.signal });
    setImmediate(() => ac.abort());
    const d = await pending;
    assert.equal(d.reasons[0]?.code, CLIENT_CODES.aborted);
  });

  it('retries a refused connection, then denies (client.unreachable)', async () => {
    const s = await stub(json(200, allow));
    const url = s.url;
    await s.close(); // nothing listens there now
    const d = await client(url, { retries: 2 }).decide(request);
    assert.equal(d.reasons[0]?.code, CLIENT_CODES.unreachable);
    assert.deepEqual(d.reasons[0]?.details, { attempts: 3, errno: 'ECONNREFUSED' });
  });

  it('never re-sends a request whose connection broke after it was sent', async () => {
    const s = await stub((req) => req.socket.destroy());
    servers.push(s);
    const d = await client(s.url, { retries: 3 }).decide(request);
    assert.equal(d.reasons[0]?.code, CLIENT_CODES.unreachable);
    assert.equal(s.seen.length, 1);
  });

  it('denies every item of a batch when the batch fails', async () => {
    const s = await stub(json(200, { results: [allow] }));
    servers.push(s);
    const d = await client(s.url).decideBatch([request, request]);
    assert.deepEqual(
      d.map((x) => [x.decision, x.reasons[0]?.code]),
      [
        ['deny', CLIENT_CODES.malformed],
        ['deny', CLIENT_CODES.malformed],
      ],
    );
  });

  it('denies a result-phase redact that carries no result', async () => {
    const s = await stub(
      json(200, { ...allow, decision: 'redact', redactions: [{ path: '/result/salary', reason: 'r' }] }),
    );
    servers.push(s);
    const d = await client(s.url).checkResult({ ...request, result: { salary: 1 } });
    assert.equal(d.decision, 'deny');
    assert.equal(d.result, undefined);
  });
});

describe('@regent/client sends', () => {
  it('the bearer token, the principal token, a request id, and answers with the echoed id', async () => {
    const s = await stub(json(200, allow));
    const c = new RegentClient({ url: s.url, token: 't0k', principalToken: 'p1', principalHeader: 'X-Principal' });
    const d = await c.decide(request, { requestId: 'req-42' });
    c.close();
    await s.close();
    assert.equal(d.decision, 'allow');
    assert.equal(d.request_id, 'echoed');
    const h = s.seen[0]!.headers;
    assert.equal(h['authorization'], 'Bearer t0k');
    assert.equal(h['x-principal'], 'p1');
    assert.equal(h['x-request-id'], 'req-42');
    assert.equal(s.seen[0]!.url, '/v1/decisions');
    assert.deepEqual(JSON.parse(s.seen[0]!.body), request);
  });

  it('the result phase to /v1/results and the batch to /v1/decisions/batch', async () => {
    const s = await stub((req, res) =>
      json(200, req.url === '/v1/decisions/batch' ? { results: [allow] } : allow)(req, res),
    );
    const c = new RegentClient({ url: s.url + '/' });
    await c.checkResult({ agent: request.agent, action: request.action, result: 1, decision_id: 'd-0' });
    await c.decideBatch([request]);
    c.close();
    await s.close();
    assert.deepEqual(
      s.seen.map((x) => x.url),
      ['/v1/results', '/v1/decisions/batch'],
    );
  });
});
