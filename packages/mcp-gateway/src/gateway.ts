/**
 * The gateway: one regent client, the connected upstreams, and an MCP server per agent
 * connection whose `tools/list` shows only what the agent may use and whose `tools/call` goes
 * through regent (tool-call.ts). The connection, not the model, says who the agent is.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { RegentClient } from '@regent/client';
import type { AgentIdentity, GatewayConfig } from './config.ts';
import { guardedCall, type CallLog } from './tool-call.ts';
import { Upstreams } from './upstreams.ts';
import { Visibility } from './visibility.ts';

/** The gateway's version, as it introduces itself to upstreams and agents. */
export const GATEWAY_VERSION = '0.1.0';

/** Who is on the other end of one agent connection. */
export interface Connection {
  agent: AgentIdentity;
  /** The MCP session id (Streamable HTTP) or the gateway's own id for a stdio connection. */
  sessionId(): string;
  /** A principal token the client presented for this connection, forwarded to regent. */
  principalToken?: string;
}

/** The running gateway, without any listener. */
export class Gateway {
  readonly config: GatewayConfig;
  readonly regent: RegentClient;
  readonly upstreams: Upstreams;
  readonly #visibility: Visibility;
  readonly #log: CallLog;

  constructor(config: GatewayConfig, log: CallLog = defaultLog) {
    this.config = config;
    this.regent = new RegentClient({
      url: config.regent.url,
      principalHeader: config.regent.principal_header,
      timeoutMs: config.regent.deadline_ms,
      retries: config.regent.retries,
      ...(config.regent.token === undefined ? {} : { token: config.regent.token }),
    });
    this.upstreams = new Upstreams(config.upstreams, GATEWAY_VERSION);
    this.#visibility = new Visibility(this.regent, config.list_cache_seconds);
    this.#log = log;
  }

  /** Connects every upstream; warns about mapped tools no upstream offers. */
  async start(): Promise<void> {
    await this.upstreams.connect();
    const missing = this.upstreams.missing();
    if (missing.length > 0) this.#log({ event: 'mapped_tools_missing', tools: missing });
  }

  /**
   * An MCP server for one agent connection. The low-level `Server`: a proxy answers `tools/list`
   * and `tools/call` itself, which McpServer (tools registered one by one) does not let it do.
   */
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  serverFor(connection: Connection): Server {
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const server = new Server(
      { name: 'regent-mcp-gateway', version: GATEWAY_VERSION },
      { capabilities: { tools: { listChanged: false } } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      const visible = await this.#visibility.visible(
        this.upstreams.routes(),
        connection.agent,
        connection.principalToken,
      );
      return { tools: visible.map((r) => exposedTool(r.exposedName, r.tool)) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
      const route = this.upstreams.route(request.params.name);
      if (route === undefined)
        return {
          isError: true,
          content: [{ type: 'text', text: `Unknown tool: ${request.params.name.slice(0, 128)}` }],
        };
      return guardedCall(
        this.regent,
        route,
        request.params.arguments ?? {},
        {
          agent: connection.agent,
          sessionId: connection.sessionId(),
          signal: extra.signal,
          approvalWaitMs: this.config.approval_wait_ms,
          ...(connection.principalToken === undefined ? {} : { principalToken: connection.principalToken }),
        },
        this.#log,
      );
    });
    return server;
  }

  async close(): Promise<void> {
    await this.upstreams.close();
    this.regent.close();
  }
}

/**
 * The upstream tool as the agent sees it. No `outputSchema`: a redacted result may no longer fit
 * it (a salary becomes "[REDACTED]"), and a client that validates would reject the call.
 */
function exposedTool(name: string, tool: Tool): Tool {
  const { outputSchema: _dropped, ...rest } = tool;
  return { ...rest, name };
}

function defaultLog(event: Record<string, unknown>): void {
  process.stderr.write(
    JSON.stringify({ time: new Date().toISOString(), service: 'regent-mcp-gateway', ...event }) + '\n',
  );
}
