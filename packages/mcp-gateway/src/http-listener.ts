/**
 * Streamable HTTP towards the agent. Every request must carry a bearer token listed (as its
 * SHA-256) in the configuration; the token says which agent the connection is, and a session
 * stays bound to the token that opened it. The MCP session id is the regent session.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { HttpClientConfig } from './config.ts';
import type { Gateway } from './gateway.ts';

/** Largest JSON-RPC body accepted from an agent. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A listening Streamable HTTP endpoint. */
export interface HttpListener {
  url: string;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  client: HttpClientConfig;
}

/** The configured client whose token this is, compared in constant time; null when none. */
export function clientForToken(
  clients: readonly HttpClientConfig[],
  header: string | undefined,
): HttpClientConfig | null {
  const m = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  if (m === null) return null;
  const digest = createHash('sha256')
    .update(m[1] ?? '')
    .digest();
  let found: HttpClientConfig | null = null;
  for (const c of clients) if (timingSafeEqual(digest, Buffer.from(c.token_sha256, 'hex'))) found = c;
  return found;
}

function jsonRpcError(
  res: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
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

/** Serves the gateway over Streamable HTTP on the configured host, port and path. */
export async function listenHttp(gateway: Gateway): Promise<HttpListener> {
  const cfg = gateway.config.http;
  if (cfg === undefined) throw new Error('the configuration has no "http" section');
  const sessions = new Map<string, Session>();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== cfg.path) {
      jsonRpcError(res, 404, 'not found');
      return;
    }
    const client = clientForToken(cfg.clients, req.headers.authorization);
    if (client === null) {
      jsonRpcError(res, 401, 'a bearer token the gateway knows is required', {
        'www-authenticate': 'Bearer realm="regent-mcp-gateway"',
      });
      return;
    }
    const sid = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    if (typeof sid === 'string') {
      const session = sessions.get(sid);
      if (session === undefined) {
        jsonRpcError(res, 404, 'unknown session');
        return;
      }
      if (session.client !== client) {
        jsonRpcError(res, 403, 'this session belongs to another client');
        return;
      }
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      jsonRpcError(res, 400, 'no session: send an initialize request first');
      return;
    }
    if (sessions.size >= cfg.max_sessions) {
      jsonRpcError(res, 503, 'too many sessions');
      return;
    }
    const header = client.principal_token_header;
    const offered = header === undefined ? undefined : req.headers[header];
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // One JSON answer per request instead of an SSE stream: the gateway never streams progress.
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, client });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    const server = gateway.serverFor({
      agent: client.agent,
      sessionId: () => transport.sessionId ?? 'unknown',
      ...(typeof offered === 'string' && offered !== '' ? { principalToken: offered } : {}),
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) jsonRpcError(res, 400, (err as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `http://${host}:${port}${cfg.path}`,
    async close() {
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
