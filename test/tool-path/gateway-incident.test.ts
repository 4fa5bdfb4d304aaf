/**
 * The incident through the MCP gateway (issue 13 item 4): a scripted MCP client acting as the HR
 * assistant calls the example HR MCP server through the gateway, against a real regent serving
 * the shipped policy. Nobody declares a data flow: the gateway maps arguments to resource and
 * destination, and regent's catalogue and result phase do the rest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { startGateway, textOf, TOKENS, type RunningGateway } from './gateway-support.ts';

describe('the incident through the MCP gateway', () => {
  let regent: TestServer;
  let gw: RunningGateway;
  before(async () => {
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    gw = await startGateway(regent.url);
  });
  after(async () => {
    await gw.close();
    await regent.close();
  });

  it('shows each agent only the tools its roles allow', async () => {
    const hr = await gw.connect(TOKENS.hr);
    const sales = await gw.connect(TOKENS.sales);
    assert.deepEqual((await hr.listTools()).tools.map((t) => t.name).sort(), [
      'post_message',
      'read_employee',
      'send_dm',
    ]);
    assert.deepEqual((await sales.listTools()).tools.map((t) => t.name).sort(), ['post_message', 'send_dm']);
  });

  it('reads a record, is refused #general with the reason, and may DM the cleared HR user', async () => {
    const agent = await gw.connect(TOKENS.hr);
    const read = await agent.callTool({ name: 'read_employee', arguments: { employee_id: 'emp-42' } });
    assert.notEqual(read.isError, true, textOf(read));
    assert.match(textOf(read), /Bob Martin/);

    const post = await agent.callTool({
      name: 'post_message',
      arguments: { channel: '#general', text: 'Bob Martin earns 180000 a year' },
    });
    assert.equal(post.isError, true);
    assert.match(textOf(post), /flow\.audience_not_cleared/);
    assert.match(textOf(post), /Alternative: /);
    const meta = (post._meta as Record<string, any>)['regent/decision'];
    assert.equal(meta.decision, 'deny');
    assert.equal(meta.reasons[0].code, 'flow.audience_not_cleared');

    const dm = await agent.callTool({
      name: 'send_dm',
      arguments: { to: 'alice@example.com', text: 'Bob Martin earns 180000 a year' },
    });
    assert.notEqual(dm.isError, true, textOf(dm));
    const delivered = await gw.delivered();
    assert.deepEqual(
      delivered.map((m) => [m['tool'], m['channel'] ?? m['to']]),
      [['send_dm', 'alice@example.com']],
      'the post to #general never reached the HR server',
    );
  });

  it("audits the read's result as a step of its own, linked to the call, in the MCP session", async () => {
    const call = gw.logs.find((e) => e['event'] === 'tool_call' && e['tool'] === 'read_employee');
    assert.ok(call !== undefined);
    const page = await regent.get('/v1/audit?type=decision&limit=100');
    const records = page.body.records as any[];
    const pre = records.find((r) => r.decision_id === call['decision_id']);
    const step = records.find((r) => r.parent_decision_id === call['decision_id']);
    assert.ok(pre !== undefined && step !== undefined, JSON.stringify(records.slice(0, 3)));
    assert.equal(step.phase, 'result');
    assert.equal(step.session.id, pre.session.id);
    assert.equal(pre.session.id, call['session_id'], 'the regent session is the MCP session');
  });

  it('keeps sessions apart: a fresh MCP session may post to #general', async () => {
    const fresh = await gw.connect(TOKENS.hr);
    const post = await fresh.callTool({
      name: 'post_message',
      arguments: { channel: '#general', text: 'Lunch at noon' },
    });
    assert.notEqual(post.isError, true, textOf(post));
  });

  it('decides a call to a hidden tool like any other: denied by regent', async () => {
    const sales = await gw.connect(TOKENS.sales);
    const read = await sales.callTool({ name: 'read_employee', arguments: { employee_id: 'emp-42' } });
    assert.equal(read.isError, true);
    assert.match(textOf(read), /tool\.not_allowed/);
  });
});
