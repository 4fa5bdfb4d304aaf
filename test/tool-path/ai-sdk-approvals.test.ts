/**
 * Escalations through @regent/ai-sdk: `generateText` with the AI SDK's own scripted model
 * (MockLanguageModelV4) calls a `post_message` tool wrapped by `withRegent`, in front of a real
 * regent whose company rule sends every Slack post to a person, while an approver (a token with
 * `approve`) decides through regent's API. With `approvalWaitMs` the wrapped execute waits and asks
 * regent again with the identical request: approved, the tool runs once with the exact input;
 * rejected, the model reads the approver's reason; nobody deciding in time, refused; changed input
 * after an approval, a new request. Without it the call is refused at once with the approval URL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateText, jsonSchema, stepCountIs, tool, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { withRegent } from '@regent/ai-sdk';
import { HR_AGENT, HR_TOOLS } from './gateway-support.ts';
import { reviewSuite } from './approval-regent.ts';

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
let calls = 0;
const postCall = (text: string) => ({
  content: [
    {
      type: 'tool-call' as const,
      toolCallId: `c${++calls}`,
      toolName: 'post_message',
      input: JSON.stringify({ channel: '#general', text }),
    },
  ],
  finishReason: { unified: 'tool-calls' as const, raw: 'tool_use' },
  usage,
  warnings: [],
});
const done = {
  content: [{ type: 'text' as const, text: 'Done.' }],
  finishReason: { unified: 'stop' as const, raw: 'stop' },
  usage,
  warnings: [],
};

describe('escalated calls through the AI SDK', () => {
  const suite = reviewSuite();
  const approver = suite.approver;

  /** Runs the scripted model over a post_message tool that records what it really ran. */
  async function run(turns: ReturnType<typeof postCall>[], sessionId: string, approvalWaitMs: number) {
    const ran: unknown[] = [];
    const tools: ToolSet = {
      post_message: tool({
        description: 'Post a message to a Slack channel',
        inputSchema: jsonSchema<Record<string, unknown>>({
          type: 'object',
          properties: { channel: { type: 'string' }, text: { type: 'string' } },
        }),
        execute: (input) => {
          ran.push(input);
          return Promise.resolve({ posted: true });
        },
      }),
    };
    const result = await generateText({
      model: new MockLanguageModelV4({ doGenerate: [...turns, done] }),
      tools: withRegent(tools, { client: suite.client, agent: HR_AGENT, sessionId, tools: HR_TOOLS, approvalWaitMs }),
      prompt: 'Post the notice to #general.',
      stopWhen: stepCountIs(turns.length + 2),
    });
    const outcomes = result.steps
      .flatMap((s) => s.content)
      .filter((p) => p.type === 'tool-result' || p.type === 'tool-error')
      .map((p) => (p.type === 'tool-error' ? `error: ${String(p.error)}` : 'result'));
    return { ran, outcomes };
  }

  it('refuses at once without approvalWaitMs, naming the approval URL', async () => {
    const { ran, outcomes } = await run([postCall('refused at once')], 'ai-approvals-1', 0);
    assert.deepEqual(ran, []);
    assert.match(outcomes[0] ?? '', /regent escalated post_message; it did not run/);
    assert.match(outcomes[0] ?? '', /Waiting for a person's approval \(pending\): \/console\/#\/approvals\//);
  });

  it('waits until the approver approves, then runs the tool once with the exact input', async () => {
    const text = 'Office closed on Friday';
    // Generous: the approver's answer ends this wait, never the clock.
    const running = run([postCall(text)], 'ai-approvals-2', 600_000);
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'office notice');
    const { ran, outcomes } = await running;
    assert.deepEqual(ran, [{ channel: '#general', text }]);
    assert.deepEqual(outcomes, ['result']);
    assert.equal(await approver().state(id), 'used');
  });

  it("refuses with the approver's reason when the approver rejects", async () => {
    const text = 'Salaries attached';
    const running = run([postCall(text)], 'ai-approvals-3', 600_000);
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'not for #general');
    const { ran, outcomes } = await running;
    assert.deepEqual(ran, []);
    assert.match(outcomes[0] ?? '', /regent denied post_message/);
    assert.match(outcomes[0] ?? '', /escalate\.rejected: .*not for #general/);
  });

  it('refuses when nobody decides before the deadline; the request keeps waiting in regent', async () => {
    const text = 'Nobody looks at this';
    const { ran, outcomes } = await run([postCall(text)], 'ai-approvals-4', 50);
    assert.deepEqual(ran, []);
    assert.match(outcomes[0] ?? '', /nobody decided within 50 ms; it did not run/);
    assert.equal(await approver().state(await approver().pendingFor(text)), 'pending');
  });

  it('treats changed input after an approval as a new request, and runs the approved input once', async () => {
    const original = 'Team lunch at noon';
    const first = await run([postCall(original)], 'ai-approvals-5', 50);
    assert.deepEqual(first.ran, []);
    const id = await approver().pendingFor(original);
    await approver().approve(id, 'lunch is fine');
    const later = await run(
      [postCall(`${original}, and here are everyone's salaries`), postCall(original)],
      'ai-approvals-5',
      50,
    );
    assert.deepEqual(later.ran, [{ channel: '#general', text: original }]);
    assert.match(later.outcomes[0] ?? '', /Waiting for a person's approval \(pending\)/);
    assert.doesNotMatch(later.outcomes[0] ?? '', new RegExp(id), 'the changed input is a new request');
    assert.equal(later.outcomes[1], 'result');
    assert.equal(await approver().state(id), 'used');
  });
});
