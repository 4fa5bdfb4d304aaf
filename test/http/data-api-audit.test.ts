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
    const page = await server.regent.audit()!.search({ type: 'admin', limit: 100 });
    const queries = page.records.filter((r) => r.type === 'admin' && r.action === 'data.query');
    const ok = queries.find((r) => r.type === 'admin' && r.details['decision_id'] === res.body.decision_id);
    assert.ok(ok !== undefined && ok.type === 'admin', JSON.stringify(queries));
    assert.equal(ok.outcome, 'success');
    assert.deepEqual(ok.target, { kind: 'entrypoint', id: 'regent/decision' });
    assert.equal(ok.details['revision'], server.regent.policies.current()!.revision);
    assert.match(ok.details['input_digest'] ?? '', /^[0-9a-f]{64}$/);
    assert.ok(queries.some((r) => r.type === 'admin' && r.outcome === 'failure' && r.target?.id === 'regent/nope'));
    assert.ok(!JSON.stringify(queries).includes('180000'), 'no input values in the trail');
  });
});
