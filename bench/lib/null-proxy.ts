/**
 * The floor under any MCP gateway built on the official SDK, for bench/gateway.ts: a proxy with
 * the gateway's transports (Streamable HTTP towards the agent with JSON answers, one server per
 * session; an SDK client towards the upstream) that forwards `tools/list` and `tools/call`
 * unchanged, asking no one. Never a product path: it exists only to be measured.
 *
 *   node bench/lib/null-proxy.ts --upstream http://127.0.0.1:PORT/mcp
 * Prints `{"url":"http://127.0.0.1:PORT/mcp"}` on stderr once listening.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, isInitializeRequest, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const { values } = parseArgs({ options: { upstream: { type: 'string' } } });
if (values.upstream === undefined) throw new Error('--upstream URL is required');

const upstream = new Client({ name: 'null-proxy', version: '1' });
await upstream.connect(new StreamableHTTPClientTransport(new URL(values.upstream)));

// eslint-disable-next-line @typescript-eslint/no-deprecated -- the same low-level Server the gateway uses
function serverFor(): Server {
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const server = new Server({ name: 'null-proxy', version: '1' }, { capabilities: { tools: { listChanged: false } } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => upstream.listTools(request.params));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    upstream.callTool(request.params, undefined, { signal: extra.signal }),
  );
  return server;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new Error('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const sessions = new Map<string, StreamableHTTPServerTransport>();
const listener = http.createServer((req, res) => {
  void (async () => {
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const sid = req.headers['mcp-session-id'];
    const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (known !== undefined) return known.handleRequest(req, res, body);
    if (!isInitializeRequest(body)) {
      res.writeHead(400).end();
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
    });
    await serverFor().connect(transport);
    return transport.handleRequest(req, res, body);
  })().catch(() => res.destroy());
});
await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
process.stderr.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp` })}\n`,
);
process.once('SIGTERM', () => {
  listener.closeAllConnections();
  listener.close();
  void upstream.close();
});
