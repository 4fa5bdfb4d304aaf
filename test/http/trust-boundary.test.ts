/**
 * The trust rule (docs/decisions/012-trust-boundary.md), replayed over real HTTP on the shipped
 * rego/ library: each numbered case of issue 12 where a caller's word used to let data out. A
 * caller's assertion may only make a decision stricter; what lets data out comes from regent's
 * catalogue, a verified token, or what regent saw in the tool path.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regoBundle, shippedBundleWith } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

type Body = { decision: string; reasons: { code: string; message: string; details?: Record<string, unknown> }[] };

const codes = (body: Body) => body.reasons.map((r) => r.code);

/** A regent on the shipped library for one describe block, and a `decide` that expects a 200. */
function trustServer(prefix: string) {
  let server: TestServer | undefined;
  let n = 0;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server?.close());
  const started = (): TestServer => server ?? assert.fail('the server is not started');
  return {
    started,
    /** A session id no other test uses. */
    fresh: () => ({ id: `${prefix}-${++n}` }),
    decide: async (body: object): Promise<Body> => {
      const res = await started().post('/v1/decisions', body);
      assert.equal(res.status, 200, res.text);
      return res.body as Body;
    },
  };
}

/** The HR assistant's plain read of a restricted record: nothing declared but the resource. */
const readEmployee = (session: { id: string }) => ({
  agent: { id: 'hr-assistant' },
  action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
  session,
});

/** A salary posted to the company-wide channel; `extra` adds or replaces top-level fields. */
const broadcast = (session: { id: string }, extra: object = {}) => ({
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  payload: { text: 'Bob earns 180000' },
  session,
  ...extra,
});

/** The broadcast as a gateway would declare it: the audience the agent claims for #general. */
const declared = (session: { id: string }, audience: string) =>
  broadcast(session, { data_flow: { destination: { system: 'slack', audience } } });

describe('trust boundary: facts regent owns decide, not what the agent claims', () => {
  const { decide, fresh, started } = trustServer('trust');

  it('1: a plain read taints the session with what the tool returns, so the broadcast is denied', async () => {
    const session = fresh();
    assert.equal((await decide(readEmployee(session))).decision, 'allow');
    const state = await started().regent.flow().sessions.get(session.id);
    assert.deepEqual([...(state?.labels ?? [])].sort(), ['compensation', 'pii']);
    const res = await decide(declared(session, 'all_employees'));
    assert.equal(res.decision, 'deny');
    assert.ok(codes(res).includes('flow.audience_not_cleared'), JSON.stringify(res));
    assert.match(res.reasons.find((r) => r.code === 'flow.audience_not_cleared')?.message ?? '', /compensation/);
  });

  it('2a: a channel keeps its directory audience whatever audience the caller declares', async () => {
    const session = fresh();
    await decide(readEmployee(session));
    const res = await decide(declared(session, 'individual'));
    assert.equal(res.decision, 'deny', JSON.stringify(res));
    const reason = res.reasons.find((r) => r.code === 'flow.audience_not_cleared');
    assert.equal(reason?.details?.['audience'], 'all_employees');
    assert.doesNotMatch(JSON.stringify(res), /audience individual/, 'the deny does not tell the agent what to claim');
  });

  it('2b: an outside address is public whatever clearance the caller declares for it', async () => {
    const session = fresh();
    await decide(readEmployee(session));
    const res = await decide({
      agent: { id: 'hr-assistant' },
      action: { tool: 'email.send', kind: 'send' },
      data_flow: {
        destination: { system: 'email', recipients: [{ id: 'eve@rival.example', clearance: 'restricted' }] },
      },
      payload: { text: 'Bob earns 180000' },
      session,
    });
    assert.equal(res.decision, 'deny', JSON.stringify(res));
    assert.ok(codes(res).includes('flow.audience_not_cleared'));
  });

  it('2c: a principal is capped by the directory, not by the clearance the agent states', async () => {
    const res = await decide({
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'bob', groups: ['hr'], clearance: 'restricted' } },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      session: fresh(),
    });
    assert.equal(res.decision, 'deny', JSON.stringify(res));
    assert.ok(codes(res).includes('principal.clearance_exceeded'), JSON.stringify(res));
  });

  it('2d: a principal the directory knows and clears reads restricted data', async () => {
    const res = await decide({
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice' } },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      session: fresh(),
    });
    assert.equal(res.decision, 'allow', JSON.stringify(res));
  });
});

describe('trust boundary: laundering through a resource', () => {
  const { decide, fresh } = trustServer('launder');

  it('3: restricted data written to a doc taints the doc; a read of it in a new session carries it', async () => {
    const first = fresh();
    await decide({ ...readEmployee(first), agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice' } } });
    const write = await decide({
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice' } },
      action: { tool: 'gdrive.write_file', kind: 'write', resource: { system: 'gdrive', id: 'hr/comp-review-2026' } },
      payload: { text: 'Bob earns 180000' },
      session: first,
    });
    assert.equal(write.decision, 'allow', JSON.stringify(write));
    const second = fresh();
    const read = await decide({
      agent: { id: 'hr-assistant' },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'hr/comp-review-2026' } },
      session: second,
    });
    assert.equal(read.decision, 'allow', JSON.stringify(read));
    const res = await decide(broadcast(second));
    assert.equal(res.decision, 'deny', JSON.stringify(res));
    assert.ok(codes(res).includes('flow.audience_not_cleared'));
  });
});

describe('trust boundary: limits under concurrency', () => {
  const { decide, started } = trustServer('limits');

  it('4: concurrent restricted reads cannot exceed max_reads, in one batch or in parallel', async () => {
    const agentReads = Array.from({ length: 10 }, (_, i) => ({
      agent: { id: 'hr-assistant' },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: `emp-${i}` } },
      session: { id: `burst-${i}` },
    }));
    const answers = await Promise.all(agentReads.map(decide));
    const allowed = answers.filter((a) => a.decision === 'allow').length;
    assert.ok(allowed <= 5, `${allowed} of 10 concurrent restricted reads were allowed`);
    assert.ok(
      answers.some((a) => codes(a).includes('activity.restricted_read_burst')),
      JSON.stringify(answers.map(codes)),
    );
  });

  it('6: a secret in an object key is found and does not reach a public destination', async () => {
    const res = await started().post('/v1/decisions', {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { config: { AKIAQ4LMZ8X2B7NWRT5Y: 'prod' } },
    });
    assert.notEqual(res.body.decision, 'allow', res.text);
    assert.ok(!res.text.includes('AKIAQ4LMZ8X2B7NWRT5Y'));
  });

  it('6b: personal data in an object key is removed without its key appearing in paths or reasons', async () => {
    const res = await started().post('/v1/decisions', {
      agent: { id: 'eng-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { contacts: { 'bob.private@gmail.com': 'met at conference' } },
    });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.body.decision, 'allow', res.text);
    assert.ok(!res.text.includes('bob.private@gmail.com'), res.text);
  });

  it('13: a body with a duplicate key is refused with a 400 naming the key', async () => {
    const res = await started().post(
      '/v1/decisions',
      '{"agent":{"id":"hr-assistant"},"action":{"tool":"gdrive.read_file","kind":"delete","kind":"read"}}',
    );
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /kind/);
  });
});

describe('trust boundary: streaks the caller cannot reset, and declassification', () => {
  const { decide, started } = trustServer('streak');

  it('7: an approved declassifier lowers the session with its labels, so its aggregate may go out', async () => {
    const session = { id: 'declassify-1' };
    const agent = { id: 'hr-assistant', on_behalf_of: { id: 'alice' } };
    await decide({
      agent,
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      session,
    });
    const post = {
      agent,
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { text: 'Average salary rose 3%' },
      session,
    };
    assert.equal((await decide(post)).decision, 'deny', 'before the summary');
    const summary = await decide({
      agent,
      action: { tool: 'docs.approved_summarizer', kind: 'execute' },
      payload: { text: 'summarise' },
      session,
    });
    assert.equal(summary.decision, 'allow', JSON.stringify(summary));
    const state = await started().regent.flow().sessions.get(session.id);
    assert.deepEqual(state?.labels, []);
    assert.equal(state?.classification, null);
    const after = await decide(post);
    assert.equal(after.decision, 'allow', JSON.stringify(after));
  });

  it('5: a denial streak is not reset by choosing a new session id', async () => {
    // Ten denied calls (an unregistered tool), each in a session of its own.
    for (let i = 0; i < 10; i++) {
      const res = await decide({
        agent: { id: 'sales-assistant' },
        action: { tool: 'vault.read_everything', kind: 'read' },
        session: { id: `streak-${i}` },
      });
      assert.equal(res.decision, 'deny');
    }
    const res = await decide({
      agent: { id: 'sales-assistant' },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'sales/pipeline' } },
      session: { id: 'streak-fresh' },
    });
    assert.equal(res.decision, 'deny', JSON.stringify(res));
    const streak = res.reasons.find((r) => r.code === 'activity.denial_streak');
    assert.equal(streak?.details?.['scope'], 'agent', JSON.stringify(res));
  });
});

/** The shipped library with `sessions: "required"` on hr-assistant, built by the real toolchain. */
async function sessionsRequiredBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-sessions-'));
  return shippedBundleWith(dir, (config) => {
    config['agents']['hr-assistant'].sessions = 'required';
  });
}

describe('trust boundary: an agent that must be decided within a session', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: await sessionsRequiredBundle() });
  });
  after(async () => server.close());

  it('denies a request that drops session.id (which would shed what the session read) and decides one that names it', async () => {
    const read = await server.post('/v1/decisions', readEmployee({ id: 'kept' }));
    assert.equal(read.body.decision, 'allow', read.text);
    const { session: _dropped, ...withoutSession } = broadcast({ id: 'kept' });
    const shed = await server.post('/v1/decisions', withoutSession);
    assert.equal(shed.body.decision, 'deny', shed.text);
    assert.ok(codes(shed.body as Body).includes('session.required'), shed.text);
    const kept = await server.post('/v1/decisions', broadcast({ id: 'kept' }));
    assert.equal(kept.body.decision, 'deny', kept.text);
    assert.deepEqual(codes(kept.body as Body), ['flow.audience_not_cleared']);
    const other = await server.post('/v1/decisions', {
      agent: { id: 'sales-assistant' },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'sales/pipeline' } },
    });
    assert.equal(other.body.decision, 'allow', 'agents without the setting decide without sessions as before');
  });
});
