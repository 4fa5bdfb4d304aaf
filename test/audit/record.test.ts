/**
 * What goes into a decision record: the data-flow summary keeps systems, labels and audiences
 * but never payload values; the input digest is stable; the decision service's record shape maps
 * onto the trail schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { toDecisionEntry } from '../../src/audit/decision-port.ts';
import { recordHash, recordLine, sealRecord } from '../../src/audit/chain.ts';
import { AuditRecordError } from '../../src/audit/errors.ts';
import { dataFlowSummary, digestInput, validateEntry, type AuditEntry } from '../../src/audit/record.ts';
import { prepareEntry } from '../../src/audit/sealer.ts';

const SECRET = 'salary-of-alice-is-123456';

const contractInput = {
  agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice', groups: ['hr'], clearance: 'confidential' } },
  action: {
    tool: 'slack.post_message',
    kind: 'send',
    resource: { system: 'slack', id: '#general', labels: ['pii'], classification: 'internal' },
  },
  data_flow: {
    sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'restricted' }],
    destination: { system: 'slack', audience: 'all_employees', recipients: [{ id: 'bob', clearance: 'internal' }] },
    fields: [{ path: '/payload/salary', labels: ['compensation'] }],
  },
  payload: { text: SECRET, salary: SECRET },
  detected: [{ type: 'email', path: '/payload/text' }],
};

describe('dataFlowSummary', () => {
  const cases = [
    {
      note: 'keeps systems, labels, classifications, audience and recipients of the contract input',
      input: contractInput,
      want: {
        resource: { system: 'slack', id: '#general', labels: ['pii'], classification: 'internal' },
        sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'restricted' }],
        destination: { system: 'slack', audience: 'all_employees', recipients: ['bob'], recipient_count: 1 },
        field_labels: ['compensation'],
        truncated: false,
      },
    },
    {
      note: 'an input without a data flow gives an empty summary',
      input: { agent: { id: 'a' }, action: { tool: 't', kind: 'read' } },
      want: { resource: null, sources: [], destination: null, field_labels: [], truncated: false },
    },
    {
      note: 'values of the wrong type are dropped rather than copied',
      input: { data_flow: { sources: [{ system: 42, labels: 'pii', classification: { x: SECRET } }] } },
      want: {
        resource: null,
        sources: [{ system: null, labels: [], classification: null }],
        destination: null,
        field_labels: [],
        truncated: false,
      },
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      assert.deepEqual(dataFlowSummary(c.input), c.want);
    });
  }

  it('never carries payload values', () => {
    assert.ok(!canonicalJson(dataFlowSummary(contractInput)).includes(SECRET));
  });

  it('clips oversized lists and strings and says so', () => {
    const summary = dataFlowSummary({
      data_flow: { sources: Array.from({ length: 100 }, () => ({ system: 'x'.repeat(1000), labels: [] })) },
    });
    assert.equal(summary.sources.length, 64);
    assert.equal(summary.sources[0]?.system?.length, 256);
    assert.equal(summary.truncated, true);
  });
});

describe('digestInput', () => {
  it('is the sha256 of the canonical input, whatever the key order', () => {
    const a = digestInput({ b: 1, a: [1, 2] });
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(a, digestInput({ a: [1, 2], b: 1 }));
    assert.notEqual(a, digestInput({ a: [2, 1], b: 1 }));
  });
});

/** A record as the decision service hands it to the audit port. */
function serviceRecord(): Parameters<typeof toDecisionEntry>[0] {
  return {
    decision_id: 'd-1',
    time: '2026-11-23T10:00:00.000Z',
    agent: 'hr-assistant',
    on_behalf_of: 'alice',
    session_id: 'sess-7f3a',
    step: 4,
    tool: 'slack.post_message',
    kind: 'send',
    flow: {
      sources: [{ system: 'workday', labels: ['compensation'], classification: 'restricted' }],
      destination: { system: 'slack', audience: 'all_employees', recipients: 3 },
    },
    detections: ['email'],
    decision: 'deny',
    reason_codes: ['flow.audience_not_cleared'],
    redacted_paths: [],
    revision: 'rev-9',
    input_digest: 'cd'.repeat(32),
    latency_ms: 1.2345,
  };
}

describe('toDecisionEntry (the decision service adapter)', () => {
  it('maps the service record onto a valid trail entry', () => {
    const entry = toDecisionEntry(serviceRecord());
    validateEntry(entry);
    assert.deepEqual(entry.session, { id: 'sess-7f3a', step: 4 });
    assert.equal(entry.latency_us, 1235);
    assert.equal(entry.policy_revision, 'rev-9');
    assert.deepEqual(entry.data_flow.destination, {
      system: 'slack',
      audience: 'all_employees',
      recipients: [],
      recipient_count: 3,
    });
  });
});

describe('sealRecord (one serialisation per entry)', () => {
  const head = { seq: 41, hash: 'a'.repeat(64) };
  const bodies: { note: string; body: Record<string, unknown> }[] = [
    {
      note: 'a decision entry',
      body: {
        type: 'decision',
        decision_id: 'd-1',
        agent: { id: 'hr-assistant', on_behalf_of: null },
        decision: 'deny',
        reason_codes: ['flow.audience'],
        data_flow: { sources: [{ system: 'workday', labels: ['pii'] }], z: 1, a: [1, { b: 'é', a: '\u2028' }] },
      },
    },
    {
      note: 'keys the header owns are overwritten, undefined members dropped, its own time replaced',
      body: {
        type: 'admin',
        v: 99,
        seq: 7,
        hash: 'x',
        prev_hash: 'y',
        origin: 'z',
        time: '1999-01-01T00:00:00Z',
        gone: undefined,
      },
    },
    {
      note: 'keys that sort around "hash" and non-ASCII keys',
      body: { type: 'admin', h: 1, hasi: 2, has: 3, é: 4, Z: 5 },
    },
  ];
  for (const { note, body } of bodies) {
    it(`${note}: its line and hash are exactly what recordLine and recordHash compute`, () => {
      const sealed = sealRecord(head, body as unknown as AuditEntry, '2026-11-24T00:00:00.000Z', 'node-1');
      assert.equal(sealed.line, recordLine(sealed.record));
      assert.equal(sealed.record.hash, recordHash(sealed.record));
      assert.equal(sealed.line, canonicalJson(JSON.parse(sealed.line)));
      assert.equal(sealed.record.seq, 42);
      assert.equal(sealed.record.prev_hash, head.hash);
      assert.equal(sealed.record.time, '2026-11-24T00:00:00.000Z');
    });
  }

  it('prepareEntry rejects what canonical JSON cannot carry, and entries over the size bound', () => {
    const entry = { ...toDecisionEntry(serviceRecord()), latency_us: 5 };
    assert.ok(prepareEntry(entry, 1 << 20).bytes > 512);
    assert.throws(() => prepareEntry(entry, 600), AuditRecordError);
    const bad = { ...entry, data_flow: { ...entry.data_flow, odd: Number.NaN } } as unknown as AuditEntry;
    assert.throws(() => prepareEntry(bad, 1 << 20), AuditRecordError);
  });
});
