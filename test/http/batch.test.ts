/**
 * POST /v1/decisions/batch: each decision answered in order with its own id and reasons, the
 * session effects of earlier items seen by later ones, one revision for the whole batch, and an
 * invalid item rejecting the whole batch without changing anything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };
const read = (session: string) => ({
  ...EXAMPLES.allow,
  agent: { id: 'hr-assistant', on_behalf_of: alice },
  session: { id: session },
});
const broadcast = (session: string) => ({
  agent: { id: 'hr-assistant', on_behalf_of: alice },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
  payload: { text: 'summary' },
  session: { id: session },
});

describe('POST /v1/decisions/batch', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file, maxBatch: 10 });
  });
  after(async () => server.close());

  it('answers every decision in order, each with its own id, on one revision', async () => {
    const res = await server.post('/v1/decisions/batch', {
      decisions: [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact, EXAMPLES.allowInternal],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.results.map((r: { decision: string }) => r.decision),
      ['allow', 'deny', 'redact', 'allow'],
    );
    const ids = new Set(res.body.results.map((r: { decision_id: string }) => r.decision_id));
    assert.equal(ids.size, 4);
    assert.equal(new Set(res.body.results.map((r: { policy: { revision: string } }) => r.policy.revision)).size, 1);
    assert.ok(!res.text.includes('180000'), 'the redacted salary does not leak');
  });

  it('applies session effects in order: a read earlier in the batch makes a later broadcast in that session a deny', async () => {
    const res = await server.post('/v1/decisions/batch', {
      decisions: [broadcast('b-1'), read('b-1'), broadcast('b-1'), broadcast('b-2')],
    });
    assert.deepEqual(
      res.body.results.map((r: { decision: string }) => r.decision),
      ['allow', 'allow', 'deny', 'allow'],
    );
  });

  it('rejects the whole batch when one item is invalid, deciding nothing and changing no session', async () => {
    const before = (await server.get('/metrics')).text.match(/regent_decisions_total\{decision="allow"\} (\d+)/)?.[1];
    const res = await server.post('/v1/decisions/batch', {
      decisions: [read('b-3'), { agent: { id: 'x' }, action: { tool: 't', kind: 'nope' } }],
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_parameter');
    assert.match(JSON.stringify(res.body.errors), /\/decisions\/1/);
    assert.equal(await server.regent.flow().sessions.get('b-3'), null);
    const afterCount = (await server.get('/metrics')).text.match(
      /regent_decisions_total\{decision="allow"\} (\d+)/,
    )?.[1];
    assert.equal(afterCount, before);
  });

  it('refuses more decisions than the configured maximum, and an empty batch', async () => {
    assert.equal(
      (
        await server.post('/v1/decisions/batch', {
          decisions: Array.from({ length: 11 }, () => EXAMPLES.allowInternal),
        })
      ).status,
      400,
    );
    assert.equal((await server.post('/v1/decisions/batch', { decisions: [] })).status, 400);
  });
});
