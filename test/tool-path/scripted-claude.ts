/**
 * The real Claude Agent SDK (`query()`, which runs the SDK's bundled Claude Code) against a
 * scripted model: a loopback server speaking the Anthropic Messages API (streamed) that answers
 * each turn of the agent loop from a script (call this tool with these arguments, or say this),
 * standing in for the model API this machine cannot reach. The tools are an in-process SDK MCP
 * server whose handlers record every call they really ran.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSdkMcpServer, query, tool, type Options, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';

/** One turn of the model: call a tool, or answer text (and end). A function may wait before it says which. */
export type Turn =
  | { tool: string; input: Record<string, unknown> }
  | { text: string }
  | (() => Promise<{ tool: string; input: Record<string, unknown> } | { text: string }>);

interface Block {
  type: 'text' | 'tool_use';
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** A scripted Messages API: each agent-loop request (one that offers tools) takes the next turn. */
async function scriptedModel(turns: Turn[]) {
  let next = 0;
  let ids = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void answer(req, res, body);
    });
  });
  async function answer(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
    if (req.url?.startsWith('/v1/messages/count_tokens') === true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"input_tokens":10}');
      return;
    }
    if (req.url?.startsWith('/v1/messages') !== true) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const parsed = JSON.parse(body) as { tools?: unknown[]; stream?: boolean; model?: string };
    let turn: Awaited<ReturnType<Extract<Turn, () => unknown>>> = { text: 'done' };
    if (Array.isArray(parsed.tools) && parsed.tools.length > 0 && next < turns.length) {
      const t = turns[next++]!;
      turn = typeof t === 'function' ? await t() : t;
    }
    const content: Block[] =
      'tool' in turn
        ? [{ type: 'tool_use', id: `toolu_scripted_${++ids}`, name: turn.tool, input: turn.input }]
        : [{ type: 'text', text: turn.text }];
    const stop = 'tool' in turn ? 'tool_use' : 'end_turn';
    const message = {
      id: `msg_${ids}`,
      type: 'message',
      role: 'assistant',
      model: parsed.model ?? 'claude-scripted',
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    if (parsed.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', { message: { ...message, content: [], stop_reason: null } });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
      } else {
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      event('content_block_stop', { index });
    });
    event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
    event('message_stop', {});
    res.end();
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What one run of the agent did. */
export interface ClaudeRun {
  /** The arguments of every call the `hr` server's `post_message` really ran. */
  ran: Record<string, unknown>[];
  /** The text of each tool result the model was given, in order. */
  toolResults: string[];
  /** The result message's permission denials (tool use ids and names). */
  denials: { tool_name: string; tool_use_id: string }[];
  messages: SDKMessage[];
}

/**
 * Runs `query()` through the real SDK with the scripted `turns`, an in-process `hr` MCP server
 * offering `post_message({channel, text})`, and `options` (hooks, canUseTool, ...).
 */
export async function runClaude(turns: Turn[], options: Partial<Options>): Promise<ClaudeRun> {
  const model = await scriptedModel(turns);
  const home = await mkdtemp(path.join(tmpdir(), 'regent-claude-home-'));
  const ran: Record<string, unknown>[] = [];
  const hr = createSdkMcpServer({
    name: 'hr',
    version: '1.0.0',
    tools: [
      tool('post_message', 'Post a message to a Slack channel', { channel: z.string(), text: z.string() }, (args) => {
        ran.push({ ...args });
        return Promise.resolve({ content: [{ type: 'text' as const, text: `posted to ${args.channel}` }] });
      }),
    ],
  });
  const messages: SDKMessage[] = [];
  let stderr = '';
  try {
    const run = query({
      prompt: 'Post the notice to #general.',
      options: {
        mcpServers: { hr },
        settingSources: [],
        cwd: home,
        maxTurns: turns.length + 2,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: home,
          ANTHROPIC_BASE_URL: model.url,
          ANTHROPIC_API_KEY: 'sk-scripted',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          DISABLE_TELEMETRY: '1',
        },
        stderr: (data: string) => (stderr += data),
        ...options,
      },
    });
    for await (const m of run) messages.push(m);
  } catch (err) {
    throw new Error(`the SDK failed: ${(err as Error).message}\n${stderr.slice(-2000)}`, { cause: err });
  } finally {
    await model.close();
    await rm(home, { recursive: true, force: true });
  }
  const toolResults: string[] = [];
  for (const m of messages) {
    if (m.type !== 'user' || !Array.isArray(m.message.content)) continue;
    for (const block of m.message.content as { type: string; content?: unknown }[]) {
      if (block.type !== 'tool_result') continue;
      const c = block.content;
      toolResults.push(
        typeof c === 'string'
          ? c
          : Array.isArray(c)
            ? (c as { text?: string }[]).map((x) => x.text ?? '').join('\n')
            : JSON.stringify(c),
      );
    }
  }
  const result = messages.find((m) => m.type === 'result') as
    { permission_denials?: { tool_name: string; tool_use_id: string }[] } | undefined;
  return { ran, toolResults, denials: result?.permission_denials ?? [], messages };
}
