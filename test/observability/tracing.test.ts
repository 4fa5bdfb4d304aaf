/**
 * W3C trace context and OpenTelemetry export, against a real regent over HTTP and a real OTLP/HTTP
 * receiver on loopback: the caller's span is the parent of the request's server span, the decision
 * span and its stage spans hang below it, the response names the server span, the decision
 * record carries the trace id; a malformed traceparent is ignored; nothing is exported when
 * REGENT_OTLP_ENDPOINT is unset.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startReceiver, type Received, type Receiver } from '../support/http-receiver.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

/** One span as OTLP/JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number; message?: string };
}

function spansOf(received: Received[]): OtlpSpan[] {
  type Body = { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
  return received.flatMap((r) =>
    ((r.json as Body).resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])),
  );
}

const attr = (span: OtlpSpan, key: string) => span.attributes?.find((a) => a.key === key)?.value.stringValue;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function decide(server: TestServer, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(EXAMPLES.allowInternal),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { decision_id: string } };
}

const decisionRecord = (server: TestServer, id: string) =>
  server.records().find((r) => r['message'] === 'decision' && r['decision_id'] === id);

describe('tracing with REGENT_OTLP_ENDPOINT set', () => {
  let receiver: Receiver;
  let server: TestServer;
  before(async () => {
    receiver = await startReceiver();
    server = await startRegent({ bundlePath: (await regoBundle()).file, otlpEndpoint: receiver.url });
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it("makes the caller's span the parent of the server span, and the decision and its stages children of it", async () => {
    const traceId = hex(16);
    const callerSpan = hex(8);
    const res = await decide(server, { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: 'acme=7' });
    assert.equal(res.status, 200);

    await receiver.until((r) => spansOf(r).some((s) => s.traceId === traceId && s.name === 'regent.audit'));
    const spans = spansOf(receiver.received).filter((s) => s.traceId === traceId);
    assert.ok(receiver.received.every((r) => r.path === '/v1/traces' && r.method === 'POST'));
    const serverSpan = spans.find((s) => s.name === 'POST /v1/decisions');
    assert.ok(serverSpan, JSON.stringify(spans.map((s) => s.name)));
    assert.equal(serverSpan.parentSpanId, callerSpan);
    assert.equal(serverSpan.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(res.headers.get('traceparent'), `00-${traceId}-${serverSpan.spanId}-01`);
    assert.equal(res.headers.get('tracestate'), 'acme=7');

    const decision = spans.find((s) => s.name === 'regent.decision');
    assert.ok(decision);
    assert.equal(decision.parentSpanId, serverSpan.spanId);
    assert.equal(attr(decision, 'regent.decision_id'), res.body.decision_id);
    assert.equal(attr(decision, 'regent.decision'), 'allow');
    const stages = spans.filter((s) => s.parentSpanId === decision.spanId).map((s) => s.name);
    assert.deepEqual(
      [...new Set(stages)].sort(),
      ['regent.audit', 'regent.evaluate', 'regent.input', 'regent.session.commit', 'regent.session.load'].sort(),
    );

    const record = decisionRecord(server, res.body.decision_id);
    assert.equal(record?.['trace_id'], traceId);
    assert.equal(record?.['span_id'], serverSpan.spanId);
  });

  for (const { note, header } of [
    { note: 'a bad trace id', header: '00-zzzz0000000000000000000000000000-00f067aa0ba902b7-01' },
    { note: 'an all-zero trace id', header: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
    { note: 'a truncated header', header: '00-4bf92f3577b34da6a3ce929d0e0e4736' },
    { note: 'an unknown version ff', header: `ff-${hex(16)}-${hex(8)}-01` },
  ]) {
    it(`ignores a malformed traceparent (${note}): a new trace, never an error`, async () => {
      const res = await decide(server, { traceparent: header });
      assert.equal(res.status, 200);
      const answered = res.headers.get('traceparent') ?? '';
      assert.match(answered, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.ok(!header.includes(answered.slice(3, 35)), `${answered} continues ${header}`);
    });
  }
});

describe('tracing off (REGENT_OTLP_ENDPOINT unset, the default)', () => {
  let receiver: Receiver;
  let server: TestServer;
  before(async () => {
    receiver = await startReceiver();
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => receiver.close());

  it("still puts a valid caller's trace id on the decision record, and answers no traceparent", async () => {
    const traceId = hex(16);
    const res = await decide(server, { traceparent: `00-${traceId}-${hex(8)}-01` });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('traceparent'), null);
    assert.equal(decisionRecord(server, res.body.decision_id)?.['trace_id'], traceId);
  });

  it('ignores a malformed traceparent: no trace id, no error', async () => {
    const res = await decide(server, { traceparent: 'not-a-trace' });
    assert.equal(res.status, 200);
    assert.equal(decisionRecord(server, res.body.decision_id)?.['trace_id'], undefined);
  });

  it('exports nothing, even once regent has shut down (which would flush an exporter)', async () => {
    const metrics = await server.get('/metrics');
    assert.doesNotMatch(metrics.text, /regent_trace_exports_total/);
    await server.close();
    assert.equal(receiver.attempts, 0);
  });
});

describe('tracing configuration', () => {
  it('refuses an OTLP endpoint that is not an http(s) URL, with the other problems', () => {
    assert.throws(
      () => loadConfig({ REGENT_OTLP_ENDPOINT: 'collector:4318', REGENT_TRACE_SAMPLE_PERCENT: '101' }),
      (err: Error & { problems?: string[] }) =>
        err.problems?.some((p) => p.startsWith('REGENT_OTLP_ENDPOINT')) === true &&
        err.problems.some((p) => p.startsWith('REGENT_TRACE_SAMPLE_PERCENT')),
    );
  });
});
