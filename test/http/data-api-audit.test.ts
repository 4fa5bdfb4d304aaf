/**
 * Data API evaluations are audited like decisions: each OPA Data API query is recorded in the
 * trail (caller, entrypoint, revision, input digest; never input values) before it is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

describe('Data API audit records', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  it('records each query with its decision id, entrypoint and revision, and no input values', async () => {
    const res = await server.post('/v1/data/regent/decision', { input: EXAMPLES.deny });
    assert.equal(res.status, 200);
    assert.equal(res.body.result.decision, 'deny');
    const missing = await server.post('/v1/data/regent/nope', { input: {} });
    assert.equal(missing.status, 404);
    // The decision entrypoint goes through the decision pipeline: its record is a decision record.
    const decisions = await server.regent.audit()!.search({ type: 'decision', limit: 100 });
    const ok = decisions.records.find((r) => r.type === 'decision' && r.decision_id === res.body.decision_id);
    assert.ok(ok !== undefined && ok.type === 'decision', JSON.stringify(decisions.records));
    assert.equal(ok.decision, 'deny');
    assert.equal(ok.policy_revision, server.regent.policies.current()!.revision);
    const page = await server.regent.audit()!.search({ type: 'admin', limit: 100 });
    const queries = page.records.filter((r) => r.type === 'admin' && r.action === 'data.query');
    assert.ok(queries.some((r) => r.type === 'admin' && r.outcome === 'failure' && r.target?.id === 'regent/nope'));
    assert.ok(!JSON.stringify(queries).includes('180000'), 'no input values in the trail');
  });
});
