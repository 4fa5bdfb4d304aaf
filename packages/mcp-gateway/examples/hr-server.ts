#!/usr/bin/env node
/**
 * A small HR MCP server built with the official SDK, for the gateway's example and tests: an
 * employee record lookup and two chat tools. It has no policy of its own, like most MCP servers.
 * stdio by default; `--http PORT` serves Streamable HTTP on 127.0.0.1. With HR_SERVER_OUTBOX set,
 * every message it sends is appended to that file as a JSON line (so a test can see what left).
 */
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const EMPLOYEES: Record<string, Record<string, unknown>> = {
  'emp-42': {
    id: 'emp-42',
    name: 'Bob Martin',
    title: 'Staff Engineer',
    department: 'Engineering',
    salary: 180000,
    bonus: 20000,
    home_address: '1 Main St, Springfield',
    email: 'bob@example.com',
  },
  'emp-7': {
    id: 'emp-7',
    name: 'Eve Chen',
    title: 'Designer',
    department: 'Design',
    salary: 150000,
    email: 'eve@example.com',
  },
};

function deliver(message: Record<string, unknown>) {
  const outbox = process.env['HR_SERVER_OUTBOX'];
  if (outbox !== undefined && outbox !== '') appendFileSync(outbox, JSON.stringify(message) + '\n');
}

/** A fresh MCP server with the three HR tools. */
export function hrServer(): McpServer {
  const server = new McpServer({ name: 'example-hr', version: '0.1.0' });
  server.registerTool(
    'read_employee',
    {
      description: 'Read the HR record of one employee (name, title, compensation, contact).',
      inputSchema: { employee_id: z.string().describe('Employee id, e.g. emp-42') },
      annotations: { readOnlyHint: true },
    },
    ({ employee_id }) => {
      const record = EMPLOYEES[employee_id];
      if (record === undefined)
        return { isError: true, content: [{ type: 'text', text: `No employee ${employee_id}` }] };
      return { content: [{ type: 'text', text: JSON.stringify(record) }], structuredContent: record };
    },
  );
  server.registerTool(
    'post_message',
    {
      description: 'Post a message to a chat channel, e.g. #general.',
      inputSchema: { channel: z.string(), text: z.string() },
      annotations: { openWorldHint: true },
    },
    ({ channel, text }) => {
      deliver({ tool: 'post_message', channel, text });
      return { content: [{ type: 'text', text: `Posted to ${channel}.` }] };
    },
  );
  server.registerTool(
    'send_dm',
    {
      description: 'Send a direct message to one person, by e-mail address.',
      inputSchema: { to: z.string().describe('e-mail address'), text: z.string() },
      annotations: { openWorldHint: true },
    },
    ({ to, text }) => {
      deliver({ tool: 'send_dm', to, text });
      return { content: [{ type: 'text', text: `Sent to ${to}.` }] };
    },
  );
  return server;
}

/** Serves Streamable HTTP on 127.0.0.1:`port` (0: any free port); resolves with the URL. */
export async function serveHrHttp(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = chunks.length === 0 ? undefined : (JSON.parse(Buffer.concat(chunks).toString()) as unknown);
        const sid = req.headers['mcp-session-id'];
        let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
        if (transport === undefined) {
          if (!isInitializeRequest(body)) {
            res.writeHead(400).end();
            return;
          }
          const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id) => void transports.set(id, t),
          });
          t.onclose = () => {
            if (t.sessionId !== undefined) transports.delete(t.sessionId);
          };
          await hrServer().connect(t);
          transport = t;
        }
        await transport.handleRequest(req, res, body);
      })();
    });
  });
  await new Promise<void>((r) => httpServer.listen(port, '127.0.0.1', r));
  const address = httpServer.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    async close() {
      for (const t of transports.values()) await t.close();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { http: { type: 'string' } } });
  if (values.http !== undefined) {
    const s = await serveHrHttp(Number(values.http));
    process.stderr.write(`example-hr MCP server on ${s.url}\n`);
  } else {
    await hrServer().connect(new StdioServerTransport());
  }
}
