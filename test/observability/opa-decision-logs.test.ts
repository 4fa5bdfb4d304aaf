/**
 * OPA-format decision logs against a real regent over HTTP and a real decision-log receiver on
 * loopback that gunzips each upload: OPA's event shape (EventV1 of OPA's v1/plugins/logs), masking
 * by regent's logging settings (no payload value ever, unless configured), gzip'd JSON arrays to
 * `<service>/logs`, retry after failures, a bounded buffer that drops the oldest and counts it,
 * decisions answered while the service hangs, the buffer flushed on shutdown, and OPA's console
 * shape on stdout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pkg from '../../package.json' with { type: 'json' };
import type { Config } from '../../src/config/load-config.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { OpaDecisionEvent } from '../../src/observability/decision-logs/index.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startReceiver, type Received, type Receiver } from '../support/http-receiver.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const eventsOf = (received: Received[]) => received.flatMap((r) => r.json as OpaDecisionEvent[]);

let bundle: { file: string; revision: string };
before(async () => {
  bundle = await regoBundle();
});

async function withService(
  overrides: Partial<Config>,
  run: (server: TestServer, receiver: Receiver) => Promise<void>,
): Promise<void> {
  const receiver = await startReceiver();
  const server = await startRegent({
    bundlePath: bundle.file,
    decisionLogUrl: `${receiver.url}/`,
    decisionLogUploadIntervalMs: 50,
    ...overrides,
  });
  try {
    await run(server, receiver);
  } finally {
    await server.close();
    await receiver.close();
  }
}

const metric = async (server: TestServer, line: string) => {
  const text = (await server.get('/metrics')).text;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.split(' ')[1]);
};

describe('OPA decision-log upload (REGENT_DECISION_LOG_URL)', () => {
  it("sends OPA's event for each decision, gzip'd to <service>/logs, with no payload value", async () => {
    await withService({ decisionLogInputs: true }, async (server, receiver) => {
      const answers: { decision_id: string; decision: string }[] = [];
      for (const body of [EXAMPLES.allow, EXAMPLES.deny, EXAMPLES.redact])
        answers.push((await server.post('/v1/decisions', body)).body as { decision_id: string; decision: string });
      await receiver.until((r) => eventsOf(r).length >= 3);

      for (const upload of receiver.received) {
        assert.equal(upload.method, 'POST');
        assert.equal(upload.path, '/logs');
        assert.equal(upload.headers['content-encoding'], 'gzip');
        assert.equal(upload.headers['content-type'], 'application/json');
        assert.ok(Array.isArray(upload.json));
      }
      const events = eventsOf(receiver.received);
      assert.deepEqual(
        events.map((e) => e.decision_id),
        answers.map((a) => a.decision_id),
      );
      for (const [i, event] of events.entries()) {
        const answer = answers[i]!;
        assert.equal(event.path, 'regent/decision');
        assert.equal(event.result.decision, answer.decision);
        assert.deepEqual(event.bundles, { regent: { revision: bundle.revision } });
        assert.match(event.labels.id, /^[0-9a-f-]{36}$/);
        assert.equal(event.labels.version, pkg.version);
        assert.match(event.requested_by ?? '', /^127\.0\.0\.1:\d+$/);
        assert.ok(event.metrics['timer_server_handler_ns']! > 0);
        assert.ok(!Number.isNaN(Date.parse(event.timestamp)));
        assert.equal((event.input as { agent: { id: string } }).agent.id, 'hr-assistant');
      }
      // Deny and redact carried payloads: erased, never sent.
      assert.deepEqual(events[1]!.erased, ['/input/payload']);
      assert.deepEqual(events[2]!.erased, ['/input/payload']);
      const wire = receiver.received.map((r) => JSON.stringify(r.json)).join('');
      for (const value of ['180000', "Bob's salary"]) assert.ok(!wire.includes(value), `${value} was uploaded`);
    });
  });

  it('leaves the input out (erased) unless REGENT_DECISION_LOG_INPUTS is on', async () => {
    await withService({}, async (server, receiver) => {
      await server.post('/v1/decisions', EXAMPLES.allow);
      await receiver.until((r) => eventsOf(r).length >= 1);
      const [event] = eventsOf(receiver.received);
      assert.equal(event?.input, undefined);
      assert.deepEqual(event?.erased, ['/input']);
    });
  });

  it('sends the redacted payload, with the masked pointers, only when REGENT_LOG_PAYLOADS is on', async () => {
    await withService({ decisionLogInputs: true, logPayloads: true }, async (server, receiver) => {
      const answer = await server.post('/v1/decisions', EXAMPLES.redact);
      assert.equal(answer.body.decision, 'redact');
      await receiver.until((r) => eventsOf(r).length >= 1);
      const [event] = eventsOf(receiver.received);
      assert.deepEqual((event?.input as { payload: unknown }).payload, answer.body.payload);
      assert.deepEqual(
        event?.masked,
        (answer.body.redactions as { path: string }[]).map((r) => `/input${r.path}`),
      );
      assert.ok(!JSON.stringify(event).includes('180000'));
    });
  });

  it('retries a failed upload with backoff and delivers each event once', async () => {
    await withService({}, async (server, receiver) => {
      receiver.answer = 503;
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push((await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision_id);
      await receiver.until(() => receiver.attempts >= 2);
      receiver.answer = 200;
      await receiver.until((r) => eventsOf(r).length >= 3);
      assert.deepEqual(
        eventsOf(receiver.received).map((e) => e.decision_id),
        ids,
      );
      assert.ok((await metric(server, 'regent_decision_log_uploads_total{result="failure"}'))! >= 1);
      assert.equal(await metric(server, 'regent_decision_log_events_uploaded_total'), 3);
    });
  });

  it('drops the oldest events past REGENT_DECISION_LOG_BUFFER_EVENTS and counts them', async () => {
    await withService({ decisionLogBufferEvents: 2 }, async (server, receiver) => {
      receiver.answer = 503;
      const ids = [];
      for (let i = 0; i < 5; i++)
        ids.push((await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision_id);
      // An upload failing right now puts its event back first, so the count may settle a moment later.
      const deadline = Date.now() + 10_000;
      while ((await metric(server, 'regent_decision_log_events_dropped_total{reason="buffer_full"}')) !== 3)
        assert.ok(Date.now() < deadline, 'three events dropped');
      receiver.answer = 200;
      await receiver.until((r) => eventsOf(r).length >= 2);
      assert.deepEqual(
        eventsOf(receiver.received).map((e) => e.decision_id),
        ids.slice(3),
      );
    });
  });

  it('answers decisions while the service hangs, and gives up on the hung upload at shutdown', async () => {
    await withService({}, async (server, receiver) => {
      receiver.answer = 'hang';
      await server.post('/v1/decisions', EXAMPLES.allowInternal);
      await receiver.until(() => receiver.attempts >= 1);
      for (let i = 0; i < 20; i++)
        assert.equal((await server.post('/v1/decisions', EXAMPLES.allowInternal)).status, 200);
      assert.equal(await metric(server, 'regent_decision_log_buffered_events'), 20);
    });
  });

  it('uploads what is buffered when regent shuts down', async () => {
    const receiver = await startReceiver();
    const server = await startRegent({
      bundlePath: bundle.file,
      decisionLogUrl: receiver.url,
      decisionLogUploadIntervalMs: 600_000,
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision_id);
    assert.equal(receiver.attempts, 0);
    await server.close();
    assert.deepEqual(
      eventsOf(receiver.received).map((e) => e.decision_id),
      ids,
    );
    await receiver.close();
  });

  it('refuses a decision-log URL that is not http(s) and a token file that cannot be read', () => {
    assert.throws(
      () => loadConfig({ REGENT_DECISION_LOG_URL: 'ftp://logs', REGENT_DECISION_LOG_TOKEN_FILE: '/nonexistent/token' }),
      (err: Error & { problems?: string[] }) =>
        err.problems?.some((p) => p.startsWith('REGENT_DECISION_LOG_URL')) === true &&
        err.problems.some((p) => p.startsWith('REGENT_DECISION_LOG_TOKEN_FILE')),
    );
  });
});

describe('REGENT_DECISION_LOG_FORMAT=opa', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: bundle.file, decisionLogFormat: 'opa' });
  });
  after(async () => server.close());

  it("writes OPA's console decision log instead of regent's record", async () => {
    const answer = await server.post('/v1/decisions', EXAMPLES.deny);
    const records = server.records().filter((r) => r['decision_id'] === answer.body.decision_id);
    assert.deepEqual(
      records.map((r) => r['message']),
      ['Decision Log'],
    );
    const [record] = records;
    assert.equal(record?.['type'], 'openpolicyagent.org/decision_logs');
    assert.equal(record?.['path'], 'regent/decision');
    assert.deepEqual(record?.['erased'], ['/input']);
    assert.ok(!server.logs().includes('180000'));
  });
});
