/**
 * The incident through @regent/langchain: LangChain's `createAgent` with the fake chat model of
 * `@langchain/core/testing` (scripted tool calls) calls the example HR MCP server's tools, behind
 * regent's agent middleware, against a real regent. The model reads a record, tries #general,
 * then DMs.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { AIMessage, createAgent, tool, ToolMessage } from 'langchain';
import { fakeModel } from '@langchain/core/testing';
import { z } from 'zod';
import { RegentClient } from '@regent/client';
import { regentMiddleware } from '@regent/langchain';
import { HR_AGENT, HR_TOOLS, adapterSuite } from './gateway-support.ts';

describe('@regent/langchain', () => {
  const hr = adapterSuite('langchain');

  /** The HR server's tools as LangChain tools calling the MCP server. */
  const mcpTools = () => {
    const t = (name: string, schema: z.ZodObject) =>
      tool(
        async (input: Record<string, unknown>) =>
          JSON.stringify((await hr.mcp.callTool({ name, arguments: input })).content),
        { name, description: name, schema },
      );
    return [
      t('read_employee', z.object({ employee_id: z.string() })),
      t('post_message', z.object({ channel: z.string(), text: z.string() })),
      t('send_dm', z.object({ to: z.string(), text: z.string() })),
    ];
  };
  const toolMessages = (messages: unknown[]) =>
    messages
      .filter((m): m is ToolMessage => ToolMessage.isInstance(m))
      .map((m) => [m.name, m.status, typeof m.content === 'string' ? m.content : JSON.stringify(m.content)]);

  it('runs the incident: read, #general refused with the reason the model then sees, DM sent', async () => {
    const model = fakeModel()
      .respondWithTools([{ name: 'read_employee', args: { employee_id: 'emp-42' }, id: 'c1' }])
      .respondWithTools([
        { name: 'post_message', args: { channel: '#general', text: 'Bob Martin earns 180000' }, id: 'c2' },
      ])
      .respondWithTools([
        { name: 'send_dm', args: { to: 'alice@example.com', text: 'Bob Martin earns 180000' }, id: 'c3' },
      ])
      .respond(new AIMessage('Done.'));
    const agent = createAgent({
      model,
      tools: mcpTools(),
      middleware: [regentMiddleware({ client: hr.client, agent: HR_AGENT, tools: HR_TOOLS })],
    });
    const result = await agent.invoke(
      { messages: [{ role: 'user', content: 'Tell everyone what Bob earns.' }] },
      { configurable: { thread_id: 'chat-1' } },
    );
    const tools = toolMessages(result.messages);
    assert.deepEqual(
      tools.map(([name, status]) => [name, status === 'error' ? 'error' : 'ok']),
      [
        ['read_employee', 'ok'],
        ['post_message', 'error'],
        ['send_dm', 'ok'],
      ],
    );
    assert.match(tools[0]?.[2] ?? '', /Bob Martin/, 'the read ran and its output reached the model');
    assert.match(tools[1]?.[2] ?? '', /flow\.audience_not_cleared/);
    assert.match(JSON.stringify(model.calls[2]?.messages), /flow\.audience_not_cleared/, 'the model is told why');
    const sent = (await readFile(hr.outbox, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { tool: string }).tool);
    assert.deepEqual(sent, ['send_dm']);
  });

  it('refuses a tool without a mapping, and every tool when regent is unreachable', async () => {
    const dead = new RegentClient({ url: 'http://127.0.0.1:9', retries: 0 });
    const run = async (c: RegentClient, tools: Record<string, never> | typeof HR_TOOLS) => {
      const model = fakeModel()
        .respondWithTools([{ name: 'read_employee', args: { employee_id: 'emp-42' }, id: 'c1' }])
        .respond(new AIMessage('ok'));
      const agent = createAgent({
        model,
        tools: mcpTools(),
        middleware: [regentMiddleware({ client: c, agent: HR_AGENT, tools, sessionId: 'chat-2' })],
      });
      return toolMessages((await agent.invoke({ messages: [{ role: 'user', content: 'x' }] })).messages);
    };
    const unreachable = await run(dead, HR_TOOLS);
    dead.close();
    assert.equal(unreachable[0]?.[1], 'error');
    assert.match(unreachable[0]?.[2] ?? '', /client\.unreachable/);
    const unmapped = await run(hr.client, {});
    assert.match(unmapped[0]?.[2] ?? '', /no mapping/);
  });
});
