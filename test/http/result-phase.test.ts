/**
 * The result phase (POST /v1/results): what a tool returned is decided before the agent sees it.
 * Detectors scan it, the policy redacts what the principal may not see or withholds it, the
 * session is tainted by what actually came back (no data_flow declared by anyone), and the step
 * is audited with the pre-call decision it answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

type Answer = {
  decision_id: string;
  decision: string;
  reasons: { code: string }[];
  redactions: { path: string }[];
  result?: unknown;
};

describe('POST /v1/results', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  const readDoc = (session: string, onBehalfOf: object) => ({
    agent: { id: 'hr-assistant', on_behalf_of: onBehalfOf },
    action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'notes' } },
    session: { id: session },
  });

  it('taints the session with what came back, so a later broadcast is denied', async () => {
    const call = readDoc('result-taint', { id: 'carol' });
    const pre = await server.post('/v1/decisions', call);
    assert.equal(pre.body.decision, 'allow', pre.text);
    const res = await server.post('/v1/results', {
      ...call,
      decision_id: pre.body.decision_id,
      result: { text: 'Reach Dana on +1 415 555 0134 or dana.home@gmail.com' },
    });
    assert.equal(res.status, 200, res.text);
    const answer = res.body as Answer;
    assert.equal(answer.decision, 'allow', res.text);
    const state = await server.regent.flow().sessions.get('result-taint');
    assert.ok(state?.labels.includes('pii'), JSON.stringify(state));
    const post = await server.post('/v1/decisions', {
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'carol' } },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { text: 'FYI' },
      session: { id: 'result-taint' },
    });
    assert.equal(post.body.decision, 'deny', post.text);

    const page = await server.regent.audit()!.search({ type: 'decision', limit: 100 });
    const step = page.records.find((r) => r.type === 'decision' && r.decision_id === answer.decision_id);
    assert.ok(step !== undefined && step.type === 'decision');
    assert.equal(step.phase, 'result');
    assert.equal(step.parent_decision_id, pre.body.decision_id);
  });

  it('redacts what the principal may not see, and does not taint the session with it', async () => {
    const call = readDoc('result-redact', { id: 'carol', clearance: 'internal' });
    const res = await server.post('/v1/results', { ...call, result: { note: 'write to dana.home@gmail.com', n: 3 } });
    const answer = res.body as Answer;
    assert.equal(answer.decision, 'redact', res.text);
    assert.ok(!res.text.includes('dana.home@gmail.com'));
    assert.ok(
      answer.redactions.every((r) => r.path.startsWith('/result')),
      res.text,
    );
    assert.equal((answer.result as { n: number }).n, 3);
    const state = await server.regent.flow().sessions.get('result-redact');
    assert.ok(!(state?.labels ?? []).includes('pii'), JSON.stringify(state));
  });

  it('withholds an output too large to scan completely', async () => {
    const huge = 'x'.repeat(70_000);
    const res = await server.post('/v1/results', {
      ...readDoc('result-huge', { id: 'carol' }),
      result: { file: huge },
    });
    const answer = res.body as Answer;
    assert.equal(answer.decision, 'deny', res.text.slice(0, 500));
    assert.deepEqual(
      answer.reasons.map((r) => r.code),
      ['detect.scan_incomplete'],
    );
    assert.equal(answer.result, undefined);
  });

  it('refuses a body without a result, or with fields it does not know', async () => {
    const call = readDoc('result-bad', { id: 'carol' });
    assert.equal((await server.post('/v1/results', call)).status, 400);
    assert.equal((await server.post('/v1/results', { ...call, result: 1, data_flow: {} })).status, 400);
  });
});

describe('POST /v1/results with a plain-text output', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  it('scans a string result, redacts what the principal may not see, and does not fail closed on its shape', async () => {
    const res = await server.post('/v1/results', {
      agent: { id: 'hr-assistant', on_behalf_of: { id: 'carol', clearance: 'internal' } },
      action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'notes' } },
      session: { id: 'result-text' },
      result: 'Reach Dana at dana.home@gmail.com',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, 'redact', res.text);
    assert.ok(!res.text.includes('dana.home@gmail.com'));
    assert.match(String(res.body.result), /Reach Dana at/);
  });
});
