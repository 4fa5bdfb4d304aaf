/**
 * Escalations through the MCP gateway, end to end: a scripted MCP client calls the example HR
 * server through the gateway, in front of a real regent whose company rule sends every Slack post
 * to a person. With `approval_wait_ms` the gateway holds the call while an approver (a token with
 * `approve`, never the gateway's) decides through regent's API, then asks regent again with the
 * identical request: approved, the post runs once with the exact arguments; rejected, refused with
 * the approver's reason; nobody deciding in time, refused and never run; changed arguments, a new
 * request. Without it the call is refused at once with the approval URL.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOKENS as REGENT_TOKENS, type ApprovalServer } from '../approvals/support.ts';
import { startReviewRegent } from './approval-regent.ts';
import { ConfigError, parseGatewayConfig } from '@regent/mcp-gateway';
import { hrGatewayConfig, startGateway, textOf, TOKENS, type RunningGateway } from './gateway-support.ts';
import { approverOf } from './approver.ts';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

/** Polls `find` every 10 ms for up to a minute; its first defined answer, or undefined. */
async function eventually<T>(find: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 6000; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

describe('escalated calls through the MCP gateway', () => {
  let regent: ApprovalServer;
  let dir: string;
  let waiting: RunningGateway;
  let refusing: RunningGateway;
  let brief: RunningGateway;
  const approver = () => approverOf(regent);

  before(async () => {
    regent = await startReviewRegent();
    dir = await mkdtemp(path.join(tmpdir(), 'regent-gateway-approvals-'));
    const tokenFile = path.join(dir, 'regent-token');
    await writeFile(tokenFile, REGENT_TOKENS.agent.token);
    const at = (extra: Record<string, unknown>) =>
      startGateway(regent.url, { regent: { url: regent.url, token_file: tokenFile, deadline_ms: 5000 }, ...extra });
    // Generous: the approver's answer ends these waits, never the clock.
    waiting = await at({ approval_wait_ms: 600_000 });
    refusing = await at({});
    brief = await at({ approval_wait_ms: 50 });
  });
  after(async () => {
    await Promise.allSettled([waiting, refusing, brief].map((g) => g.close()));
    await regent.close();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (agent: Client, text: string) =>
    agent.callTool({ name: 'post_message', arguments: { channel: '#general', text } });
  /** A post from a new MCP session (a regent session of its own). */
  const post = async (gw: RunningGateway, text: string) => send(await gw.connect(TOKENS.hr), text);
  const posted = async (gw: RunningGateway) => (await gw.delivered()).map((m) => m['text']);

  it('without approval_wait_ms refuses at once, naming the pending request and where to approve it', async () => {
    const result = await post(refusing, 'refused at once');
    assert.equal(result.isError, true);
    assert.match(textOf(result), /regent escalated post_message/);
    assert.match(textOf(result), /rules\.review\.slack_post/);
    assert.match(textOf(result), /Waiting for a person's approval \(pending\): \/console\/#\/approvals\/[0-9a-f-]{36}/);
    const meta = (result._meta as Record<string, any>)['regent/decision'];
    assert.equal(meta.decision, 'escalate');
    assert.equal(meta.approval.state, 'pending');
    assert.deepEqual(await posted(refusing), []);
  });

  it('holds the call until an approver approves, then posts once with the exact arguments', async () => {
    const text = 'Office closed on Friday (approved)';
    const call = post(waiting, text);
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'office notice');
    const result = await call;
    assert.notEqual(result.isError, true, textOf(result));
    assert.deepEqual(await posted(waiting), [text]);
    const delivered = (await waiting.delivered()).at(-1)!;
    assert.deepEqual([delivered['channel'], delivered['text']], ['#general', text]);
    assert.equal(await approver().state(id), 'used');
    const reasked = waiting.logs.filter((e) => e['event'] === 'tool_call' && e['approval_id'] === id);
    assert.deepEqual(
      reasked.map((e) => [e['decision'], e['after_approval_wait'] ?? false]),
      [
        ['escalate', false],
        ['allow', true],
      ],
    );
  });

  it("refuses with the approver's reason when the approver rejects, and never posts", async () => {
    const text = 'Salaries attached (rejected)';
    const before = await posted(waiting);
    const call = post(waiting, text);
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'not for #general');
    const result = await call;
    assert.equal(result.isError, true);
    assert.match(textOf(result), /regent denied post_message/);
    assert.match(textOf(result), /escalate\.rejected: .*not for #general/);
    assert.match(textOf(result), new RegExp(`Approval request ${id} is rejected`));
    assert.deepEqual(await posted(waiting), before);
  });

  it('refuses when nobody decides before the deadline, the request still pending, and never posts', async () => {
    const text = 'Nobody looks at this';
    const result = await post(brief, text);
    assert.equal(result.isError, true);
    assert.match(textOf(result), /regent escalated post_message and nobody decided within 50 ms/);
    assert.match(textOf(result), /Waiting for a person's approval \(pending\)/);
    const id = await approver().pendingFor(text);
    assert.equal(await approver().state(id), 'pending', 'waiting in regent, for a person to decide later');
    assert.deepEqual(await posted(brief), []);
  });

  it('treats changed arguments after an approval as a new request: not run, the approval kept for the original', async () => {
    const original = 'Team lunch at noon';
    // One MCP session throughout: the session is part of the action a person approves.
    const agent = await brief.connect(TOKENS.hr);
    const first = await send(agent, original);
    assert.equal(first.isError, true);
    const id = await approver().pendingFor(original);
    await approver().approve(id, 'lunch is fine');

    const changed = await send(agent, `${original}, and here are everyone's salaries`);
    assert.equal(changed.isError, true);
    const meta = (changed._meta as Record<string, any>)['regent/decision'];
    assert.equal(meta.decision, 'escalate');
    assert.notEqual(meta.approval.id, id, 'a new request for the changed arguments');
    assert.deepEqual(await posted(brief), []);
    assert.equal(await approver().state(id), 'approved', 'the approval still waits for the original');

    const again = await send(agent, original);
    assert.notEqual(again.isError, true, textOf(again));
    assert.deepEqual(await posted(brief), [original]);
  });

  it('stops waiting when the MCP client cancels the call, runs nothing, and does not ask again', async () => {
    const text = 'Cancelled while waiting';
    const agent = await waiting.connect(TOKENS.hr);
    const controller = new AbortController();
    const call = agent.callTool({ name: 'post_message', arguments: { channel: '#general', text } }, undefined, {
      signal: controller.signal,
    });
    const id = await approver().pendingFor(text);
    // regent holds the request before its answer reaches the gateway: cancel only once the gateway
    // has the escalation (logged just before it starts waiting), so it is the wait that is cancelled.
    // A cancel that beats the answer ends the first ask instead (a deny, no wait; not this case).
    const logged = (match: (e: Record<string, unknown>) => boolean) => waiting.logs.find(match);
    const escalated = await eventually(() => logged((e) => e['decision'] === 'escalate' && e['approval_id'] === id));
    assert.ok(escalated !== undefined, 'the gateway got the escalation');
    controller.abort();
    await assert.rejects(call);
    // The gateway logs the wait's end; look for it rather than assume how fast it ends.
    const ended = await eventually(() => logged((e) => e['after_approval_wait'] === true && e['approval_id'] === id));
    assert.ok(ended !== undefined, 'the wait ended');
    assert.equal(ended['decision'], 'deny');
    assert.deepEqual(ended['reason_codes'], ['client.aborted']);
    await approver().approve(id, 'too late');
    assert.equal(await approver().state(id), 'approved', 'nobody used the approval');
    assert.ok(!(await posted(waiting)).includes(text));
  });
});

describe('approval_wait_ms in the gateway configuration', () => {
  const cases = [
    { note: 'absent: refuse at once', value: undefined, ok: 0 },
    { note: 'ten minutes', value: 600_000, ok: 600_000 },
    { note: 'negative', value: -1, problem: /approval_wait_ms/ },
    { note: 'over an hour', value: 3_600_001, problem: /approval_wait_ms/ },
    { note: 'not an integer', value: 1.5, problem: /approval_wait_ms/ },
  ];
  for (const c of cases)
    it(`${c.problem === undefined ? 'accepts' : 'refuses'} ${c.note}`, () => {
      const raw = hrGatewayConfig(
        'http://127.0.0.1:1',
        '/tmp/outbox.jsonl',
        c.value === undefined ? {} : { approval_wait_ms: c.value },
      );
      if (c.problem === undefined) assert.equal(parseGatewayConfig(raw, tmpdir()).approval_wait_ms, c.ok);
      else
        assert.throws(
          () => parseGatewayConfig(raw, tmpdir()),
          (err: Error) => err instanceof ConfigError && c.problem.test(err.message),
        );
    });
});
