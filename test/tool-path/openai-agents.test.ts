/**
 * The incident through @regent/openai-agents: the OpenAI Agents SDK's own Runner with a scripted
 * model (the SDK's Model interface, answering tool calls in order) calls the example HR MCP
 * server's tools, guarded by regent's tool input and output guardrails, against a real regent.
 * The model reads a record, tries #general, then DMs.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
import { RegentClient } from '@regent/client';
import { regentGuardrails, type RegentGuardrailOptions } from '@regent/openai-agents';
import { HR_AGENT, HR_TOOLS, adapterSuite } from './gateway-support.ts';

/** A model that answers each request with the next scripted output, and keeps the requests. */
class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  readonly #script: AgentOutputItem[][];
  constructor(script: AgentOutputItem[][]) {
    this.#script = [...script];
  }
  getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const output = this.#script.shift();
    if (output === undefined) throw new Error('the script ran out');
    return Promise.resolve({ usage: new Usage(), output, responseId: `r${this.requests.length}` });
  }
  getStreamedResponse(): AsyncIterable<never> {
    throw new Error('not scripted');
  }
}

const call = (callId: string, name: string, args: unknown): AgentOutputItem[] => [
  { type: 'function_call', callId, name, arguments: JSON.stringify(args), status: 'completed' },
];
const done: AgentOutputItem[] = [
  { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Done.' }] },
];

describe('@regent/openai-agents', () => {
  const hr = adapterSuite('openai-agents');

  /** The HR server's tools as Agents SDK function tools calling the MCP server, guarded by regent. */
  const guardedTools = (options: Omit<RegentGuardrailOptions, 'tools'> & Partial<RegentGuardrailOptions>) => {
    const regentOptions = { tools: HR_TOOLS, ...options };
    const guards = regentGuardrails(regentOptions);
    const t = (name: string, parameters: z.ZodObject) =>
      tool({
        name,
        description: name,
        parameters,
        execute: async (input) => JSON.stringify((await hr.mcp.callTool({ name, arguments: input })).content),
        ...guards.forTool(name),
      });
    return [
      t('read_employee', z.object({ employee_id: z.string() })),
      t('post_message', z.object({ channel: z.string(), text: z.string() })),
      t('send_dm', z.object({ to: z.string(), text: z.string() })),
    ];
  };
  const runner = new Runner({ tracingDisabled: true });
  /** The outputs the model was handed for its tool calls, by call id. */
  const toolOutputs = (items: { rawItem: unknown }[]): Record<string, string> =>
    Object.fromEntries<string>(
      items
        .map((i) => i.rawItem as { type?: string; callId?: string; output?: unknown })
        .filter((r) => r.type === 'function_call_result')
        .map((r) => [r.callId ?? '', JSON.stringify(r.output)]),
    );

  it('runs the incident: read, #general refused with the reason the model then sees, DM sent', async () => {
    const model = new ScriptedModel([
      call('c1', 'read_employee', { employee_id: 'emp-42' }),
      call('c2', 'post_message', { channel: '#general', text: 'Bob Martin earns 180000' }),
      call('c3', 'send_dm', { to: 'alice@example.com', text: 'Bob Martin earns 180000' }),
      done,
    ]);
    const agent = new Agent({
      name: 'hr-assistant',
      instructions: 'HR assistant',
      model,
      tools: guardedTools({ client: hr.client, agent: HR_AGENT, sessionId: 'chat-1' }),
    });
    const result = await runner.run(agent, 'Tell everyone what Bob earns.', { maxTurns: 6 });
    assert.equal(result.finalOutput, 'Done.');
    const outputs = toolOutputs(result.newItems);
    assert.match(outputs['c1'] ?? '', /Bob Martin/, 'the read ran and its output reached the model');
    assert.match(outputs['c2'] ?? '', /flow\.audience_not_cleared/);
    assert.doesNotMatch(outputs['c3'] ?? '', /regent (denied|withheld)/);
    assert.match(JSON.stringify(model.requests[2]?.input), /flow\.audience_not_cleared/, 'the model is told why');
    const sent = (await readFile(hr.outbox, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { tool: string }).tool);
    assert.deepEqual(sent, ['send_dm']);
  });

  it('refuses a tool without a mapping, and every tool when regent is unreachable', async () => {
    const dead = new RegentClient({ url: 'http://127.0.0.1:9', retries: 0 });
    const script = () => [call('c1', 'read_employee', { employee_id: 'emp-42' }), done];
    const unreachable = await runner.run(
      new Agent({
        name: 'a',
        model: new ScriptedModel(script()),
        tools: guardedTools({ client: dead, agent: HR_AGENT, sessionId: 'chat-2' }),
      }),
      'x',
    );
    dead.close();
    assert.match(toolOutputs(unreachable.newItems)['c1'] ?? '', /client\.unreachable/);
    const unmapped = await runner.run(
      new Agent({
        name: 'b',
        model: new ScriptedModel(script()),
        tools: guardedTools({ client: hr.client, agent: HR_AGENT, sessionId: 'chat-3', tools: {} }),
      }),
      'x',
    );
    assert.match(toolOutputs(unmapped.newItems)['c1'] ?? '', /no mapping/);
  });
});
