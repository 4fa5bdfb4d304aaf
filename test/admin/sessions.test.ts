/**
 * The session admin endpoints over real HTTP with tokens on: the incident replayed by an agent
 * with a `decide` token, then inspected by an operator with an `admin` token (state, steps in
 * order with decisions, reason codes and revisions), and ended, which the trail records under
 * the operator's name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

const agent = makeToken('hr-agent-gateway', ['decide']);
const ops = makeToken('ops-alice', ['admin']);
const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };
const session = { id: 'sess-incident' };

const incident = [
  {
    agent: { id: 'hr-assistant', on_behalf_of: alice },
    action: {
      tool: 'workday.read_employee',
      kind: 'read',
      resource: { system: 'workday', id: 'emp-42', labels: ['compensation', 'pii'], classification: 'restricted' },
    },
    session,
  },
  {
    agent: { id: 'hr-assistant', on_behalf_of: alice },
    action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
    data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
    payload: { text: 'Summary of compensation across the team' },
    session,
  },
  {
    agent: { id: 'hr-assistant', on_behalf_of: alice },
    action: { tool: 'email.send', kind: 'send', resource: { system: 'email', id: 'alice@example.com' } },
    data_flow: { destination: { system: 'email', recipients: [{ id: 'alice', clearance: 'restricted' }] } },
    payload: { text: 'Summary of compensation across the team' },
    session,
  },
];

describe('/v1/sessions', () => {
  let server: SecureServer;
  let revision: string;
  const decisionIds: string[] = [];
  before(async () => {
    const bundle = await regoBundle();
    revision = bundle.revision;
    server = await startSecureRegent({ tokens: [agent, ops], config: { bundlePath: bundle.file } });
    for (const body of incident) {
      const res = await server.request('POST', '/v1/decisions', { token: agent.token, body });
      assert.equal(res.status, 200, res.text);
      decisionIds.push(res.body.decision_id);
    }
  });
  after(async () => server.close());

  it("GET /v1/sessions/{id} shows the session's flow state: the labels the read brought in", async () => {
    const res = await server.request('GET', '/v1/sessions/sess-incident', { token: ops.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.session.id, 'sess-incident');
    assert.deepEqual(res.body.session.labels, ['compensation', 'pii']);
    assert.deepEqual(res.body.session.systems, ['workday']);
    // The labels carry the restricted classification; the stored one keeps only what labels do
    // not explain, so a declassifier that removes them lowers the session (docs/decisions/012).
    assert.equal(res.body.session.classification, null);
    assert.ok(res.body.session.version > 0);
  });

  it('GET /v1/sessions/{id}/steps gives the steps in order, with decisions, reason codes and revision', async () => {
    const res = await server.request('GET', '/v1/sessions/sess-incident/steps', { token: ops.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.session_id, 'sess-incident');
    assert.equal(res.body.truncated, false);
    const steps = res.body.steps as {
      seq: number;
      decision_id: string;
      decision: string;
      reason_codes: string[];
      policy_revision: string;
      tool: string;
    }[];
    assert.deepEqual(
      steps.map((s) => [s.decision_id, s.tool, s.decision]),
      [
        [decisionIds[0], 'workday.read_employee', 'allow'],
        [decisionIds[1], 'slack.post_message', 'deny'],
        [decisionIds[2], 'email.send', 'allow'],
      ],
    );
    assert.ok(steps[1]?.reason_codes.includes('flow.audience_not_cleared'), JSON.stringify(steps[1]));
    assert.ok(steps.every((s) => s.policy_revision === revision));
    assert.ok(
      steps.every((s, i) => i === 0 || s.seq > (steps[i - 1]?.seq ?? Infinity)),
      'in trail order',
    );
    assert.ok(!res.text.includes('Summary of compensation'), 'no payload in the steps');
  });

  it('DELETE /v1/sessions/{id} ends the session: its labels are forgotten', async () => {
    const res = await server.request('DELETE', '/v1/sessions/sess-incident', { token: ops.token });
    assert.equal(res.status, 204, res.text);
    assert.equal((await server.request('GET', '/v1/sessions/sess-incident', { token: ops.token })).status, 404);
    assert.equal(await server.regent.flow().sessions.get('sess-incident'), null);
  });

  it("records the delete in the audit trail with the caller's identity and the serving revision", async () => {
    const res = await server.request('GET', '/v1/audit?type=admin', { token: ops.token });
    const record = res.body.records.find((r: { action: string }) => r.action === 'session.delete');
    assert.ok(record, JSON.stringify(res.body));
    assert.deepEqual(record.actor, { id: 'ops-alice', auth: 'bearer' });
    assert.deepEqual(record.target, { kind: 'session', id: 'sess-incident' });
    assert.equal(record.outcome, 'success');
    assert.equal(record.policy_revision, revision);
  });

  it('keeps the steps after the session is deleted: the trail outlives the store', async () => {
    const res = await server.request('GET', '/v1/sessions/sess-incident/steps', { token: ops.token });
    assert.equal(res.body.steps.length, 3);
  });

  it('answers 404 to deleting a session that does not exist, and records the attempt as a failure', async () => {
    const res = await server.request('DELETE', '/v1/sessions/never-existed', { token: ops.token });
    assert.equal(res.status, 404);
    const page = await server.request('GET', '/v1/audit?type=admin', { token: ops.token });
    const record = page.body.records.find((r: { target: { id: string } | null }) => r.target?.id === 'never-existed');
    assert.equal(record?.outcome, 'failure');
    assert.equal(record?.details.reason, 'not_found');
  });

  it('answers 404 for the steps of a session the trail never saw', async () => {
    assert.equal((await server.request('GET', '/v1/sessions/never-existed/steps', { token: ops.token })).status, 404);
  });

  const invalid = [
    { note: 'an id longer than 256 characters', path: `/v1/sessions/${'s'.repeat(257)}` },
    { note: 'an id that is not valid percent-encoding', path: '/v1/sessions/%E0%A4%A' },
    { note: 'an unknown query parameter', path: '/v1/sessions/sess-incident?verbose=1' },
    { note: 'an unknown query parameter on steps', path: '/v1/sessions/sess-incident/steps?limit=5' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.note} with 400 invalid_parameter`, async () => {
      const res = await server.request('GET', c.path, { token: ops.token });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'invalid_parameter');
    });
  }

  it('finds a session whose id holds a slash, sent percent-encoded', async () => {
    await server.regent.flow().sessions.commit('team/a', 0, { add_labels: ['pii'] });
    const res = await server.request('GET', '/v1/sessions/team%2Fa', { token: ops.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.session.id, 'team/a');
  });
});
