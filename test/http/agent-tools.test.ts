/**
 * POST /v1/agents/tools: which tools an agent may call at all, from the registry, with no side
 * effect. A gateway's tools/list used to ask probe decisions, which were audited and counted in
 * the agent's activity window (a hidden tool's probe counted as a denial).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

describe('POST /v1/agents/tools', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  it("lists the tools the agent's registry roles grant, with kinds and system", async () => {
    const res = await server.post('/v1/agents/tools', { agent: { id: 'eng-assistant' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.known, true);
    assert.deepEqual(
      res.body.tools.map((t: { tool: string }) => t.tool),
      ['github.create_issue', 'github.read_file', 'slack.post_message', 'vault.write_secret'],
    );
    assert.deepEqual(
      res.body.tools.find((t: { tool: string }) => t.tool === 'vault.write_secret'),
      { tool: 'vault.write_secret', kinds: ['write'], system: 'vault' },
    );
    assert.equal(res.body.policy.revision, server.regent.policies.current()?.revision);
  });

  it('narrows to requested roles, never widens, and knows nothing of an unknown agent', async () => {
    const narrowed = await server.post('/v1/agents/tools', {
      agent: { id: 'hr-assistant', roles: ['hr_editor', 'engineer'] },
    });
    assert.deepEqual(
      narrowed.body.tools.map((t: { tool: string }) => t.tool),
      ['gdrive.write_file', 'workday.update_employee'],
    );
    const unknown = await server.post('/v1/agents/tools', { agent: { id: 'intruder', roles: ['engineer'] } });
    assert.deepEqual(unknown.body, { agent: 'intruder', known: false, tools: [], policy: unknown.body.policy });
  });

  it('decides, counts and audits nothing', async () => {
    const before = (await server.regent.audit()!.search({ limit: 1000 })).records.length;
    for (let i = 0; i < 5; i++) await server.post('/v1/agents/tools', { agent: { id: 'hr-assistant' } });
    const after = (await server.regent.audit()!.search({ limit: 1000 })).records.length;
    assert.equal(after, before);
  });

  it('refuses a body that is not a query', async () => {
    assert.equal((await server.post('/v1/agents/tools', { agent: {} })).status, 400);
    assert.equal((await server.post('/v1/agents/tools', { agent: { id: 'x' }, session: { id: 's' } })).status, 400);
  });
});
