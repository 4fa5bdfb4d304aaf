/**
 * The routes the operator console needs beyond the rest of the API, against a real regent: the
 * decision stream (Server-Sent Events fed by the audit trail, filtered, bounded, ended by a
 * drain), the policy playground (the exact input and the answer, with no side effect), and the
 * token header every state-changing request must carry (no cookie can stand in for it).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { StreamSubscriber, type EventSink } from '../../src/http/routes/audit-stream.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from '../approvals/support.ts';

let server: ApprovalServer;

async function decide(body: unknown) {
  const res = await server.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body });
  assert.equal(res.status, 200, res.text);
  return res.body as { decision: string; decision_id: string; approval?: { id: string } };
}

/** An open event stream: its status, the events parsed so far, and a way to wait for one. */
interface OpenStream {
  status: number;
  events: { id: string; event: string; data: string }[];
  ended: Promise<void>;
  waitFor(pred: (e: { event: string; data: string }) => boolean): Promise<{ id: string; data: string }>;
  close(): void;
}

function openStream(query: string, token: string | undefined, on: ApprovalServer = server): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const url = new URL(on.url);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: `/v1/audit/stream${query}`, headers, agent: false },
      (res: IncomingMessage) => {
        const events: OpenStream['events'] = [];
        const waiters: (() => void)[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e = { id: '', event: 'message', data: '' };
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) e.data += line.slice(6);
            }
            if (e.data !== '') events.push(e);
          }
          for (const w of waiters.splice(0)) w();
        });
        const ended = new Promise<void>((r) => res.on('close', r));
        resolve({
          status: res.statusCode ?? 0,
          events,
          ended,
          async waitFor(pred) {
            for (;;) {
              const hit = events.find(pred);
              if (hit !== undefined) return hit;
              await new Promise<void>((r) => waiters.push(r));
            }
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the console API', () => {
  before(async () => {
    server = await startApprovalRegent();
  });
  after(async () => server?.close());

  describe('GET /v1/audit/stream', () => {
    it('needs a credential with the admin scope', async () => {
      assert.equal((await server.request('GET', '/v1/audit/stream')).status, 401);
      assert.equal((await server.request('GET', '/v1/audit/stream', { token: TOKENS.approver.token })).status, 403);
      assert.equal(
        (await server.request('GET', '/v1/audit/stream?decision=maybe', { token: TOKENS.operator.token })).status,
        400,
      );
    });

    it('streams decisions as they are recorded, keeping only those the filters match', async () => {
      const all = await openStream('', TOKENS.operator.token);
      const escalations = await openStream('?decision=escalate&reason=rules.review', TOKENS.operator.token);
      const other = await openStream('?agent=someone-else', TOKENS.operator.token);
      assert.equal(all.status, 200);
      const first = await decide(staffPost('streamed'));
      const denied = await decide({ ...staffPost('denied'), agent: { id: 'no-such-agent' } });
      assert.equal(first.decision, 'escalate');
      assert.equal(denied.decision, 'deny');
      const seen = await all.waitFor((e) => e.data.includes(denied.decision_id));
      assert.equal((JSON.parse(seen.data) as AuditRecord).type, 'decision');
      await all.waitFor((e) => e.data.includes(first.decision_id));
      // The filtered stream has the escalation; once it has, the deny (appended after) is past it too.
      await escalations.waitFor((e) => e.data.includes(first.decision_id));
      const marker = await decide(staffPost('marker'));
      await escalations.waitFor((e) => e.data.includes(marker.decision_id));
      assert.ok(!escalations.events.some((e) => e.data.includes(denied.decision_id)));
      assert.ok(escalations.events.every((e) => (JSON.parse(e.data) as { decision: string }).decision === 'escalate'));
      assert.deepEqual(other.events, []);
      // Resuming after the first event's seq gives what followed it, without repeating it.
      const resumed = await openStream(`?after=${seen.id}`, TOKENS.operator.token);
      await resumed.waitFor((e) => e.data.includes(marker.decision_id));
      assert.ok(!resumed.events.some((e) => e.data.includes(denied.decision_id)));
      for (const s of [all, escalations, other, resumed]) s.close();
    });

    it('ends a stream after REGENT_AUDIT_STREAM_MAX_SECONDS, so its credential is checked again on reconnect', async () => {
      const short = await startApprovalRegent({ auditStreamMaxSeconds: 1 });
      try {
        const s = await openStream('', TOKENS.operator.token, short);
        assert.equal(s.status, 200);
        await s.ended;
        assert.equal((await openStream('', 'not-a-token', short)).status, 401);
      } finally {
        await short.close();
      }
    });

    it('ends every stream when regent drains for shutdown', async () => {
      const s = await openStream('', TOKENS.operator.token);
      assert.equal(s.status, 200);
      server.regent.drain.begin();
      await s.ended;
    });
  });

  describe('StreamSubscriber', () => {
    const record = (seq: number) =>
      ({ type: 'decision', seq, agent: { id: 'a' }, decision: 'allow', reason_codes: [] }) as unknown as AuditRecord;
    it('holds at most its bound while the client does not read, then disconnects it', () => {
      const written: string[] = [];
      let ended = false;
      const sink: EventSink = {
        write: (c) => (written.push(c), false), // the socket is full from the first write
        end: () => (ended = true),
        once: () => undefined,
      };
      const sub = new StreamSubscriber(sink, {}, 0, 3);
      for (let seq = 1; seq <= 4; seq++) assert.equal(sub.offer(record(seq)), true, `seq ${seq}`);
      assert.equal(ended, false);
      assert.equal(written.length, 1);
      assert.equal(sub.offer(record(5)), false);
      assert.equal(ended, true);
      assert.equal(sub.closed, true);
    });
    it('never sends a record twice or one it has passed', () => {
      const written: string[] = [];
      const sink: EventSink = { write: (c) => (written.push(c), true), end: () => undefined, once: () => undefined };
      const sub = new StreamSubscriber(sink, { decision: 'allow' }, 2);
      for (const seq of [1, 2, 3, 3, 4]) sub.offer(record(seq));
      assert.deepEqual(
        written.map((w) => w.split('\n')[0]),
        ['id: 3', 'id: 4'],
      );
    });
  });
});

describe('POST /v1/playground/decisions', () => {
  let pg: ApprovalServer;
  before(async () => {
    pg = await startApprovalRegent();
  });
  after(async () => pg?.close());
  const run = (body: unknown, token = TOKENS.operator.token) =>
    pg.request('POST', '/v1/playground/decisions', { token, body });

  it('shows the answer and the exact input, with the chosen session state, as a dry run', async () => {
    const request = { ...staffPost('playground'), session: { id: 'sess-play' } };
    const res = await run({
      request,
      session: { labels: ['secret_material'], classification: 'restricted', steps: 4 },
      activity: { agent: { actions: 3 } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.dry_run, true);
    assert.match(res.body.revision, /^[0-9a-f]{16}$/);
    // The chosen state decides: restricted material in the session stops a post to all employees.
    assert.equal(res.body.active.result.decision, 'deny', res.text);
    const clean = await run({ request, session: { steps: 1 } });
    assert.equal(clean.body.active.result.decision, 'escalate', clean.text);
    assert.ok(
      (clean.body.active.result.reasons as { code: string }[]).some((r) => r.code === 'rules.review.slack_post'),
    );
    assert.deepEqual(res.body.input.session, {
      id: 'sess-play',
      labels: ['secret_material'],
      systems: [],
      classification: 'restricted',
      steps: 4,
      first_seen: null,
      last_seen: null,
    });
    assert.deepEqual(res.body.input.activity, { agent: { actions: 3 } });
    assert.deepEqual(res.body.input.payload, request.payload);
    assert.equal(res.body.shadow, null);
    assert.ok(res.body.differences.length > 0);
  });

  it('leaves no trace: no audit record, no session, no approval request', async () => {
    const headBefore = await pg.regent.audit()?.head();
    const approvalsBefore = await pg.request('GET', '/v1/approvals?state=pending', { token: TOKENS.operator.token });
    const res = await run({ request: { ...staffPost('no trace'), session: { id: 'sess-untouched' } } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.active.result.decision, 'escalate');
    assert.deepEqual(await pg.regent.audit()?.head(), headBefore);
    const approvalsAfter = await pg.request('GET', '/v1/approvals?state=pending', { token: TOKENS.operator.token });
    assert.deepEqual(approvalsAfter.body, approvalsBefore.body);
    const session = await pg.request('GET', '/v1/sessions/sess-untouched', { token: TOKENS.operator.token });
    assert.equal(session.status, 404, session.text);
    // The same request decided for real does leave them (so the checks above can fail).
    const real = await pg.request('POST', '/v1/decisions', {
      token: TOKENS.agent.token,
      body: { ...staffPost('no trace'), session: { id: 'sess-untouched' } },
    });
    assert.equal(real.body.decision, 'escalate');
    assert.notDeepEqual(await pg.regent.audit()?.head(), headBefore);
    const pending = await pg.request('GET', '/v1/approvals?state=pending', { token: TOKENS.operator.token });
    assert.notDeepEqual(pending.body, approvalsBefore.body);
  });

  it('refuses an invalid request and any token without admin', async () => {
    assert.equal((await run({ request: { agent: { id: 'x' } } })).status, 400);
    assert.equal((await run({ request: staffPost(), session: { labels: 'x' } })).status, 400);
    assert.equal((await run({ request: staffPost() }, TOKENS.approver.token)).status, 403);
    assert.equal((await run({ request: staffPost() }, TOKENS.agent.token)).status, 403);
  });
});

describe('state-changing console requests need the token header', () => {
  let s: ApprovalServer;
  before(async () => {
    s = await startApprovalRegent();
  });
  after(async () => s?.close());

  it('refuses approve and reject without an Authorization header, whatever cookie comes along', async () => {
    const asked = await s.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body: staffPost('csrf') });
    const id = (asked.body as { approval: { id: string } }).approval.id;
    for (const verb of ['approve', 'reject']) {
      const bare = await s.request('POST', `/v1/approvals/${id}/${verb}`, { body: { reason: 'x' } });
      assert.equal(bare.status, 401, verb);
      // A browser sends cookies on a cross-site form post; regent reads none.
      const cookie = await rawPost(s.url, `/v1/approvals/${id}/${verb}`, { cookie: `token=${TOKENS.operator.token}` });
      assert.equal(cookie, 401, verb);
    }
    const still = await s.request('GET', `/v1/approvals/${id}`, { token: TOKENS.operator.token });
    assert.equal(still.body.approval.state, 'pending');
    const played = await s.request('POST', '/v1/playground/decisions', { body: { request: staffPost() } });
    assert.equal(played.status, 401);
  });
});

function rawPost(base: string, p: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: p,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end('reason=x');
  });
}
