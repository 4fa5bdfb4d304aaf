/**
 * Escalations through @regent/langchain: LangChain's `createAgent` with the fake chat model of
 * `@langchain/core/testing` calls a `post_message` tool behind regent's middleware, in front of a
 * real regent whose company rule sends every Slack post to a person, while an approver (a token
 * with `approve`) decides through regent's API. With `approvalWaitMs` the middleware waits and asks
 * regent again with the identical request; with `approvalInterrupt` it interrupts the graph in
 * humanInTheLoopMiddleware's shape (LangGraph's MemorySaver keeps the thread), and an `approve` on
 * resume only resumes: the tool runs only once regent allows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AIMessage, createAgent, tool, ToolMessage } from 'langchain';
import { fakeModel } from '@langchain/core/testing';
import { Command, MemorySaver } from '@langchain/langgraph';
import { z } from 'zod';
import { regentMiddleware, type RegentMiddlewareOptions } from '@regent/langchain';
import { HR_AGENT, HR_TOOLS } from './gateway-support.ts';
import { reviewSuite } from './approval-regent.ts';

describe('escalated calls through LangChain', () => {
  const suite = reviewSuite();
  const approver = suite.approver;

  /** An agent whose post_message records what it really ran, behind regent's middleware. */
  function agentWith(texts: string[], options: Partial<RegentMiddlewareOptions>) {
    const ran: unknown[] = [];
    let model = fakeModel();
    texts.forEach((text, i) => {
      model = model.respondWithTools([{ name: 'post_message', args: { channel: '#general', text }, id: `c${i + 1}` }]);
    });
    model = model.respond(new AIMessage('Done.'));
    const agent = createAgent({
      model,
      tools: [
        tool(
          (input: Record<string, unknown>) => {
            ran.push(input);
            return 'posted';
          },
          {
            name: 'post_message',
            description: 'Post a message to a Slack channel',
            schema: z.object({ channel: z.string(), text: z.string() }),
          },
        ),
      ],
      middleware: [regentMiddleware({ client: suite.client, agent: HR_AGENT, tools: HR_TOOLS, ...options })],
      checkpointer: new MemorySaver(),
    });
    return { agent, ran };
  }
  const toolTexts = (messages: unknown[]) =>
    messages
      .filter((m): m is ToolMessage => ToolMessage.isInstance(m))
      .map((m) => `${m.status ?? 'success'}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);
  const ask = { messages: [{ role: 'user', content: 'Post the notice.' }] };

  it('waits until the approver approves, then runs the tool once with the exact input', async () => {
    const text = 'Office closed on Friday';
    const { agent, ran } = agentWith([text], { approvalWaitMs: 600_000 });
    const running = agent.invoke(ask, { configurable: { thread_id: 'lc-1' } });
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'office notice');
    const result = await running;
    assert.deepEqual(ran, [{ channel: '#general', text }]);
    assert.equal(await approver().state(id), 'used');
    assert.match(toolTexts(result.messages)[0] ?? '', /^success: posted/);
  });

  it("refuses with the approver's reason on a rejection, and when nobody decides in time", async () => {
    const text = 'Salaries attached';
    const rejected = agentWith([text], { approvalWaitMs: 600_000 });
    const running = rejected.agent.invoke(ask, { configurable: { thread_id: 'lc-2' } });
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'not for #general');
    assert.match(toolTexts((await running).messages)[0] ?? '', /^error: .*escalate\.rejected: .*not for #general/s);
    assert.deepEqual(rejected.ran, []);

    const late = agentWith(['Nobody looks at this'], { approvalWaitMs: 50 });
    const result = await late.agent.invoke(ask, { configurable: { thread_id: 'lc-2' } });
    assert.match(toolTexts(result.messages)[0] ?? '', /nobody decided within 50 ms; it did not run/);
    assert.deepEqual(late.ran, []);
  });

  it('interrupts; an approve on resume alone runs nothing, and regent then allows the identical call once', async () => {
    const text = 'Team lunch at noon';
    const config = { configurable: { thread_id: 'lc-3' } };
    const { agent, ran } = agentWith([text], { approvalInterrupt: true });
    const first = (await agent.invoke(ask, config)) as { __interrupt__?: { value: any }[] };
    const request = first.__interrupt__?.[0]?.value;
    assert.match(request?.actionRequests?.[0]?.description ?? '', /\/console\/#\/approvals\//, 'the URL to show');
    // The app's user approves, but nobody approved in regent: the tool must not run.
    const resumed = await agent.invoke(new Command({ resume: { decisions: [{ type: 'approve' }] } }), config);
    assert.deepEqual(ran, []);
    assert.match(toolTexts(resumed.messages).at(-1) ?? '', /^error: .*Waiting for a person's approval \(pending\)/s);

    const id = await approver().pendingFor(text);
    await approver().approve(id, 'lunch is fine');
    const again = agentWith([text], { approvalInterrupt: true });
    const run = await again.agent.invoke(ask, config);
    assert.deepEqual(again.ran, [{ channel: '#general', text }], 'regent allows it: no interrupt');
    assert.match(toolTexts(run.messages).at(-1) ?? '', /^success: posted/);
    assert.equal(await approver().state(id), 'used');
  });
});
