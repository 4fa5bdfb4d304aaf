/**
 * Which agent is asking is the caller's word: any token with `decide` could name any agent and
 * take its roles. A registry entry's `callers` names the authenticated callers (token ids,
 * certificate CNs) that may decide for that agent; anyone else is denied `agent.caller_not_bound`
 * on every path that decides (single, batch, result phase, OPA's Data API), and recorded.
 * A real regent with real tokens, on the shipped library built by the real toolchain.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { shippedBundleWith } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

/** The shipped library with hr-assistant bound to the caller `gw-hr`, built by the real toolchain. */
function boundBundle(dir: string): Promise<string> {
  return shippedBundleWith(dir, (config) => {
    config['agents']['hr-assistant'].callers = ['gw-hr'];
  });
}

const hrGateway = makeToken('gw-hr', ['decide']);
const salesGateway = makeToken('gw-sales', ['decide']);
const admin = makeToken('ops', ['admin']);

/** An ordinary read by hr-assistant, allowed for its own caller. */
const hrRead = EXAMPLES.allowInternal;
const salesRead = {
  agent: { id: 'sales-assistant' },
  action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'sales/pipeline' } },
};

type Reason = { code: string; message: string };
const codes = (body: { reasons: Reason[] }) => body.reasons.map((r) => r.code);

describe('agents bound to their callers', () => {
  let dir: string;
  let bundle: string;
  let server: SecureServer;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-callers-'));
    bundle = await boundBundle(dir);
    server = await startSecureRegent({
      tokens: [hrGateway, salesGateway, admin],
      config: { bundlePath: bundle, policyDir: '' },
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const decide = (token: string, body: unknown, p = '/v1/decisions') => server.request('POST', p, { token, body });

  it("decides for the agent's own caller as before", async () => {
    const res = await decide(hrGateway.token, hrRead);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, 'allow', res.text);
  });

  it('denies another caller naming the agent, says why, and records the denial in the audit trail', async () => {
    const res = await decide(salesGateway.token, hrRead);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, 'deny', res.text);
    assert.deepEqual(codes(res.body), ['agent.caller_not_bound']);
    assert.match(res.body.reasons[0].message, /gw-sales may not decide for agent hr-assistant/);
    const audit = await server.request('GET', '/v1/audit?limit=50', { token: admin.token });
    assert.equal(audit.status, 200, audit.text);
    const record = (audit.body.records as { decision_id: string; body?: unknown }[]).find(
      (r) => r.decision_id === res.body.decision_id,
    );
    assert.ok(record !== undefined, 'the denial is in the trail');
    assert.match(JSON.stringify(record), /agent\.caller_not_bound/);
  });

  it('leaves agents without callers to any caller with decide', async () => {
    for (const token of [hrGateway.token, salesGateway.token]) {
      const res = await decide(token, salesRead);
      assert.equal(res.body.decision, 'allow', res.text);
    }
  });

  it('denies the other caller on every path that decides: batch, result phase, Data API', async () => {
    const batch = await decide(salesGateway.token, { decisions: [hrRead, salesRead] }, '/v1/decisions/batch');
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(
      batch.body.results.map((r: { decision: string; reasons: Reason[] }) => [r.decision, codes(r)]),
      [
        ['deny', ['agent.caller_not_bound']],
        ['allow', []],
      ],
    );
    const result = { ...hrRead, result: { text: 'the handbook' } };
    const theirs = await decide(salesGateway.token, result, '/v1/results');
    assert.equal(theirs.body.decision, 'deny', theirs.text);
    assert.deepEqual(codes(theirs.body), ['agent.caller_not_bound']);
    const ours = await decide(hrGateway.token, result, '/v1/results');
    assert.equal(ours.body.decision, 'allow', ours.text);
    const data = await decide(salesGateway.token, { input: hrRead }, '/v1/data/regent/decision');
    assert.equal(data.status, 200, data.text);
    assert.equal(data.body.result.decision, 'deny', data.text);
    assert.deepEqual(codes(data.body.result), ['agent.caller_not_bound']);
  });
});

describe('agents bound to their callers, authentication off', () => {
  it('denies a bound agent to the unauthenticated caller, whatever the request says', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-callers-open-'));
    const server = await startSecureRegent({ config: { bundlePath: await boundBundle(dir), policyDir: '' } });
    try {
      const res = await server.request('POST', '/v1/decisions', { body: hrRead });
      assert.equal(res.body.decision, 'deny', res.text);
      assert.deepEqual(codes(res.body), ['agent.caller_not_bound']);
      assert.match(res.body.reasons[0].message, /not authenticated/);
      const other = await server.request('POST', '/v1/decisions', { body: salesRead });
      assert.equal(other.body.decision, 'allow', other.text);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
