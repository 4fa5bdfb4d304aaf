/**
 * The incident through @regent/ai-sdk: `generateText` with the AI SDK's own scripted model
 * (MockLanguageModelV4 from `ai/test`) calls MCP tools of the example HR server, wrapped by
 * `withRegent`, against a real regent. The model reads a record, tries #general, then DMs.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { generateText, jsonSchema, stepCountIs, tool, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { RegentClient } from '@regent/client';
import { withRegent } from '@regent/ai-sdk';
import { HR_AGENT, HR_TOOLS, adapterSuite } from './gateway-support.ts';

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
const call = (id: string, toolName: string, input: unknown) => ({
  content: [{ type: 'tool-call' as const, toolCallId: id, toolName, input: JSON.stringify(input) }],
  finishReason: { unified: 'tool-calls' as const, raw: 'tool_use' },
  usage,
  warnings: [],
});

describe('@regent/ai-sdk', () => {
  const hr = adapterSuite('ai-sdk');

  /** The HR server's tools as AI SDK tools whose execute calls the MCP server. */
  const mcpTools = (): ToolSet => {
    const t = (name: string, properties: Record<string, { type: 'string' }>) =>
      tool({
        description: name,
        inputSchema: jsonSchema<Record<string, unknown>>({ type: 'object', properties }),
        execute: async (input) => hr.mcp.callTool({ name, arguments: input }),
      });
    return {
      read_employee: t('read_employee', { employee_id: { type: 'string' } }),
      post_message: t('post_message', { channel: { type: 'string' }, text: { type: 'string' } }),
      send_dm: t('send_dm', { to: { type: 'string' }, text: { type: 'string' } }),
    };
  };

  it('runs the incident: read, #general refused with the reason the model then sees, DM sent', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [
        call('c1', 'read_employee', { employee_id: 'emp-42' }),
        call('c2', 'post_message', { channel: '#general', text: 'Bob Martin earns 180000' }),
        call('c3', 'send_dm', { to: 'alice@example.com', text: 'Bob Martin earns 180000' }),
        {
          content: [{ type: 'text', text: 'Done.' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        },
      ],
    });
    const result = await generateText({
      model,
      tools: withRegent(mcpTools(), { client: hr.client, agent: HR_AGENT, sessionId: 'chat-1', tools: HR_TOOLS }),
      prompt: 'Tell everyone what Bob earns.',
      stopWhen: stepCountIs(6),
    });
    const parts = result.steps
      .flatMap((s) => s.content)
      .filter((p) => p.type === 'tool-result' || p.type === 'tool-error');
    assert.deepEqual(
      parts.map((p) => [p.toolName, p.type]),
      [
        ['read_employee', 'tool-result'],
        ['post_message', 'tool-error'],
        ['send_dm', 'tool-result'],
      ],
    );
    const refused = parts[1] as { error: unknown };
    assert.match(String(refused.error), /flow\.audience_not_cleared/);
    assert.match(
      JSON.stringify(model.doGenerateCalls[2]?.prompt),
      /flow\.audience_not_cleared/,
      'the model is told why',
    );
    const sent = (await readFile(hr.outbox, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { tool: string }).tool);
    assert.deepEqual(sent, ['send_dm']);
  });

  it('refuses a tool without a mapping, and every tool when regent is unreachable', async () => {
    const dead = new RegentClient({ url: 'http://127.0.0.1:9', retries: 0 });
    const model = new MockLanguageModelV4({
      doGenerate: [
        call('c1', 'read_employee', { employee_id: 'emp-42' }),
        {
          content: [{ type: 'text', text: 'ok' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage,
          warnings: [],
        },
      ],
    });
    const result = await generateText({
      model,
      tools: withRegent(mcpTools(), { client: dead, agent: HR_AGENT, sessionId: 'chat-2', tools: HR_TOOLS }),
      prompt: 'x',
      stopWhen: stepCountIs(3),
    });
    dead.close();
    const error = result.steps.flatMap((s) => s.content).find((p) => p.type === 'tool-error') as { error: unknown };
    assert.match(String(error.error), /client\.unreachable/);
    const unmapped = withRegent(mcpTools(), { client: hr.client, agent: HR_AGENT, sessionId: 'chat-3', tools: {} });
    await assert.rejects(
      Promise.resolve(
        unmapped['read_employee']!.execute!({ employee_id: 'emp-42' }, { toolCallId: 'x', messages: [] } as any),
      ),
      /no mapping/,
    );
  });
});
