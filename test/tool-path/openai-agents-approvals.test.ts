/**
 * Escalations through @regent/openai-agents: the OpenAI Agents SDK's own Runner with a scripted
 * model calls a `post_message` tool guarded by regent, in front of a real regent whose company
 * rule sends every Slack post to a person, while an approver (a token with `approve`) decides
 * through regent's API. With `approvalWaitMs` the input guardrail waits and asks regent again with
 * the identical request; with `approvalInterrupt` the run stops with the SDK's tool approval
 * interruption, and a "yes" to it only resumes the run: the tool runs only once regent allows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Agent,
  Runner,
  tool,
  Usage,
  type AgentOutputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
} from '@openai/agents';
import { z } from 'zod';
import { regentGuardrails, type RegentGuardrailOptions } from '@regent/openai-agents';
import { HR_AGENT, HR_TOOLS } from './gateway-support.ts';
import { reviewSuite } from './approval-regent.ts';

/** A model that answers each request with the next scripted output. */
class ScriptedModel implements Model {
  readonly #script: AgentOutputItem[][];
  constructor(script: AgentOutputItem[][]) {
    this.#script = [...script];
  }
  getResponse(_request: ModelRequest): Promise<ModelResponse> {
    const output = this.#script.shift();
    if (output === undefined) throw new Error('the script ran out');
    return Promise.resolve({ usage: new Usage(), output, responseId: 'r' });
  }
  getStreamedResponse(): AsyncIterable<never> {
    throw new Error('not scripted');
  }
}

const postCall = (callId: string, text: string): AgentOutputItem[] => [
  {
    type: 'function_call',
    callId,
    name: 'post_message',
    arguments: JSON.stringify({ channel: '#general', text }),
    status: 'completed',
  },
];
const done: AgentOutputItem[] = [
  { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Done.' }] },
];

describe('escalated calls through the OpenAI Agents SDK', () => {
  const suite = reviewSuite();
  const approver = suite.approver;
  const runner = new Runner({ tracingDisabled: true });

  /** An agent whose post_message records what it really ran, guarded by regent. */
  function agentWith(script: AgentOutputItem[][], options: Partial<RegentGuardrailOptions> & { sessionId: string }) {
    const ran: unknown[] = [];
    const guards = regentGuardrails({ client: suite.client, agent: HR_AGENT, tools: HR_TOOLS, ...options });
    const agent = new Agent({
      name: 'hr-assistant',
      model: new ScriptedModel(script),
      tools: [
        tool({
          name: 'post_message',
          description: 'Post a message to a Slack channel',
          parameters: z.object({ channel: z.string(), text: z.string() }),
          execute: (input) => {
            ran.push(input);
            return 'posted';
          },
          ...guards.forTool('post_message'),
        }),
      ],
    });
    return { agent, guards, ran };
  }
  const outputOf = (items: { rawItem: unknown }[], callId: string) =>
    JSON.stringify(
      items
        .map((i) => i.rawItem as { type?: string; callId?: string; output?: unknown })
        .find((r) => r.type === 'function_call_result' && r.callId === callId)?.output,
    );

  it('waits in the input guardrail until the approver approves, then runs the tool once with the exact input', async () => {
    const text = 'Office closed on Friday';
    const { agent, ran } = agentWith([postCall('c1', text), done], { sessionId: 'oa-1', approvalWaitMs: 600_000 });
    const running = runner.run(agent, 'Post the notice.', { maxTurns: 4 });
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'office notice');
    const result = await running;
    assert.deepEqual(ran, [{ channel: '#general', text }]);
    assert.equal(await approver().state(id), 'used');
    assert.equal(result.finalOutput, 'Done.');
  });

  it("rejects with the approver's reason when the approver rejects, and when nobody decides in time", async () => {
    const text = 'Salaries attached';
    const rejected = agentWith([postCall('c1', text), done], { sessionId: 'oa-2', approvalWaitMs: 600_000 });
    const running = runner.run(rejected.agent, 'Post it.', { maxTurns: 4 });
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'not for #general');
    assert.match(outputOf((await running).newItems, 'c1'), /escalate\.rejected: .*not for #general/);
    assert.deepEqual(rejected.ran, []);

    const late = agentWith([postCall('c2', 'Nobody looks at this'), done], { sessionId: 'oa-2', approvalWaitMs: 50 });
    const result = await runner.run(late.agent, 'Post it.', { maxTurns: 4 });
    assert.match(outputOf(result.newItems, 'c2'), /nobody decided within 50 ms; it did not run/);
    assert.deepEqual(late.ran, []);
  });

  it("stops at the SDK's approval interruption; a local yes alone runs nothing, regent's approval then runs it once", async () => {
    const text = 'Team lunch at noon';
    const { agent, guards, ran } = agentWith([postCall('c1', text), done], {
      sessionId: 'oa-3',
      approvalInterrupt: true,
    });
    const first = await runner.run(agent, 'Post it.', { maxTurns: 4 });
    assert.equal(first.interruptions.length, 1, 'the run stopped for an approval');
    const pending = guards.pendingApproval('c1');
    assert.match(pending?.url ?? '', /\/console\/#\/approvals\//, 'the app can show where to approve');
    // The app's user says yes, but nobody approved in regent: the tool must not run.
    first.state.approve(first.interruptions[0]!);
    const resumed = await runner.run(agent, first.state, { maxTurns: 4 });
    assert.deepEqual(ran, []);
    assert.match(outputOf(resumed.newItems, 'c1'), /Waiting for a person's approval \(pending\)/);

    // The same call again, after an approver approved it in regent: it runs, once.
    await approver().approve(pending!.id, 'lunch is fine');
    const again = agentWith([postCall('c2', text), done], { sessionId: 'oa-3', approvalInterrupt: true });
    const run = await runner.run(again.agent, 'Post it.', { maxTurns: 4 });
    assert.equal(run.interruptions.length, 0, 'regent allows it: no interruption');
    assert.deepEqual(again.ran, [{ channel: '#general', text }]);
    assert.equal(await approver().state(pending!.id), 'used');
  });
});
