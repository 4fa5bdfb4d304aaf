/**
 * POST /v1/decisions against the shipped rego/ library, built by the real OPA toolchain and
 * served over real HTTP: the README's allow/deny/redact examples, the incident that started
 * regent replayed step by step, the Chinese wall, and redaction that never leaks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { EXAMPLES } from '../fixtures/examples.ts';

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

describe('POST /v1/decisions', () => {
  let server: TestServer;
  let revision: string;
  before(async () => {
    const bundle = await regoBundle();
    revision = bundle.revision;
    server = await startRegent({ bundlePath: bundle.file });
  });
  after(async () => server.close());

  it('allows a cleared HR user to read restricted compensation data through the HR assistant', async () => {
    const res = await server.post('/v1/decisions', EXAMPLES.allow);
    assert.equal(res.status, 200);
    assert.equal(res.body.decision, 'allow');
    assert.match(res.body.decision_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(res.body.redactions, []);
    assert.equal(res.body.policy.revision, revision);
    assert.equal(res.body.payload, undefined);
  });

  it('denies restricted HR data to an all-employees channel, naming the source', async () => {
    const res = await server.post('/v1/decisions', EXAMPLES.deny);
    assert.equal(res.body.decision, 'deny');
    assert.ok(codes(res.body).includes('flow.audience_not_cleared'), JSON.stringify(res.body));
    const reason = res.body.reasons.find((r: { code: string }) => r.code === 'flow.audience_not_cleared');
    assert.match(reason.message, /workday/);
    assert.match(reason.message, /all_employees/);
  });

  it('redacts labelled fields the audience is not cleared for and lets the rest go', async () => {
    const res = await server.post('/v1/decisions', EXAMPLES.redact);
    assert.equal(res.body.decision, 'redact', JSON.stringify(res.body));
    const paths = res.body.redactions.map((r: { path: string }) => r.path).sort();
    assert.deepEqual(paths, ['/payload/employees/*/home_address', '/payload/employees/*/salary']);
    assert.equal(res.body.payload.employees[0].name, 'Bob');
    assert.equal(res.body.payload.employees[1].title, 'Designer');
    assert.equal(res.body.payload.employees[0].salary, '[REDACTED]');
    for (const secret of ['180000', '170000', '1 Main St']) {
      assert.ok(!res.text.includes(secret), `response leaks ${secret}`);
      assert.ok(!server.logs().includes(secret), `logs leak ${secret}`);
    }
  });

  it('masks a secret a detector finds in free text when the policy redacts it', async () => {
    const token = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const res = await server.post('/v1/decisions', {
      agent: { id: 'eng-assistant' },
      // The channel decides the audience (the destination directory), not the declared one.
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: {
        sources: [{ system: 'github', classification: 'internal' }],
        destination: { system: 'slack', audience: 'all_employees' },
      },
      payload: { text: `deploy with ${token} please` },
    });
    assert.equal(res.body.decision, 'redact', JSON.stringify(res.body));
    assert.ok(!res.text.includes(token));
    assert.ok(!server.logs().includes(token));
    assert.match(res.body.payload.text, /^deploy with \[REDACTED:[a-z_]+\] please$/);
  });

  it('denies sending a payload too large to scan completely, so nothing unscanned leaves', async () => {
    const res = await server.post('/v1/decisions', {
      agent: { id: 'hr-assistant' },
      action: { tool: 'slack.post_message', kind: 'send' },
      data_flow: { destination: { system: 'slack', audience: 'team' } },
      payload: { text: 'a'.repeat(70 * 1024) + ' ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' },
    });
    assert.equal(res.body.decision, 'deny');
    assert.deepEqual(codes(res.body), ['detect.scan_incomplete']);
  });

  it('writes one decision record per decision with reason codes, revision and digest, and no payload', async () => {
    const before = server.records().filter((r) => r['message'] === 'decision').length;
    const res = await server.post('/v1/decisions', EXAMPLES.deny);
    const records = server.records().filter((r) => r['message'] === 'decision');
    assert.equal(records.length, before + 1);
    const record = records.at(-1)!;
    assert.equal(record['decision_id'], res.body.decision_id);
    assert.equal(record['agent_id'], 'hr-assistant');
    assert.equal(record['tool'], 'slack.post_message');
    assert.equal(record['decision'], 'deny');
    assert.equal(record['revision'], revision);
    assert.match(String(record['input_digest']), /^[0-9a-f]{64}$/);
    assert.equal(typeof record['latency_ms'], 'number');
    assert.equal(record['payload'], undefined);
    assert.ok(!JSON.stringify(record).includes('180000'));
  });

  const invalid = [
    { note: 'missing agent', body: { action: { tool: 't', kind: 'read' } }, status: 400 },
    { note: 'unknown action kind', body: { agent: { id: 'a' }, action: { tool: 't', kind: 'admin' } }, status: 400 },
    { note: 'unknown top-level field', body: { ...EXAMPLES.allow, extra: 1 }, status: 400 },
    { note: 'non-JSON media type', body: 'agent=x', status: 415, type: 'text/plain' },
    { note: 'broken JSON', body: '{"agent":', status: 400 },
  ];
  for (const c of invalid) {
    it(`rejects a request with ${c.note} with a JSON ${c.status}`, async () => {
      const res = await fetch(server.url + '/v1/decisions', {
        method: 'POST',
        headers: { 'content-type': c.type ?? 'application/json' },
        body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
      });
      assert.equal(res.status, c.status);
      const body = (await res.json()) as { code: string; message: string; errors?: unknown[] };
      assert.equal(typeof body.code, 'string');
      assert.equal(typeof body.message, 'string');
      if (c.status === 400 && c.note !== 'broken JSON') assert.ok(Array.isArray(body.errors) && body.errors.length > 0);
    });
  }
});

describe('the incident, replayed through the HTTP API', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  const session = { id: 'sess-incident' };
  const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };

  it('allows the read, denies the broadcast naming the HR source, and allows the cleared individual', async () => {
    const read = await server.post('/v1/decisions', {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: {
        tool: 'workday.read_employee',
        kind: 'read',
        resource: { system: 'workday', id: 'emp-42', labels: ['compensation', 'pii'], classification: 'restricted' },
      },
      session,
    });
    assert.equal(read.body.decision, 'allow', JSON.stringify(read.body));
    const state = server.regent.flow().sessions;
    const after = await state.get(session.id);
    assert.deepEqual([...(after?.labels ?? [])].sort(), ['compensation', 'pii']);

    const broadcast = await server.post('/v1/decisions', {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
      payload: { text: 'Summary of compensation across the team' },
      session,
    });
    assert.equal(broadcast.body.decision, 'deny', JSON.stringify(broadcast.body));
    const flow = broadcast.body.reasons.find((r: { code: string }) => r.code === 'flow.audience_not_cleared');
    assert.ok(flow, JSON.stringify(broadcast.body));
    assert.match(flow.message, /workday|compensation/);

    const direct = await server.post('/v1/decisions', {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'email.send', kind: 'send', resource: { system: 'email', id: 'alice@example.com' } },
      data_flow: { destination: { system: 'email', recipients: [{ id: 'alice', clearance: 'restricted' }] } },
      payload: { text: 'Summary of compensation across the team' },
      session,
    });
    assert.equal(direct.body.decision, 'allow', JSON.stringify(direct.body));
  });

  it('denies reading competitor B after competitor A in one session, naming both sides', async () => {
    const read = (customer: string) =>
      server.post('/v1/decisions', {
        agent: { id: 'sales-assistant' },
        action: {
          tool: 'salesforce.read_account',
          kind: 'read',
          resource: {
            system: 'salesforce',
            id: customer,
            labels: [`customer:${customer}`],
            classification: 'confidential',
          },
        },
        session: { id: 'sess-wall' },
      });
    assert.equal((await read('acme')).body.decision, 'allow');
    const second = await read('globex');
    assert.equal(second.body.decision, 'deny');
    const wall = second.body.reasons.find((r: { code: string }) => r.code === 'flow.chinese_wall');
    assert.ok(wall, JSON.stringify(second.body));
    assert.match(wall.message, /acme/);
    assert.match(wall.message, /globex/);
  });

  it('lets a different session read competitor B', async () => {
    const res = await server.post('/v1/decisions', {
      agent: { id: 'sales-assistant' },
      action: {
        tool: 'salesforce.read_account',
        kind: 'read',
        resource: { system: 'salesforce', id: 'globex', labels: ['customer:globex'], classification: 'confidential' },
      },
      session: { id: 'sess-other' },
    });
    assert.equal(res.body.decision, 'allow');
  });
});
