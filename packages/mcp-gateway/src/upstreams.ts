/**
 * The upstream MCP servers: one SDK Client each (stdio or Streamable HTTP), their tool lists
 * (refreshed when a server announces a change) and the routing table from exposed tool names to
 * (upstream, tool, mapping). Only mapped tools are routed: an unmapped tool is never exposed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolMapping, UpstreamConfig } from './config.ts';

/** One tool the gateway can expose: where it lives and how regent sees it. */
export interface Route {
  exposedName: string;
  upstream: Upstream;
  tool: Tool;
  mapping: ToolMapping;
}

/** A connected upstream server. */
export class Upstream {
  readonly config: UpstreamConfig;
  readonly client: Client;
  #tools: Tool[] = [];
  onToolsChanged: (() => void) | undefined;

  constructor(config: UpstreamConfig, version: string) {
    this.config = config;
    this.client = new Client({ name: `regent-mcp-gateway/${config.name}`, version });
  }

  /** Connects and reads the tool list. */
  async connect(): Promise<void> {
    const c = this.config;
    const transport =
      c.http !== undefined
        ? new StreamableHTTPClientTransport(new URL(c.http.url), { requestInit: { headers: c.http.headers } })
        : new StdioClientTransport({
            command: c.stdio?.command ?? '',
            args: c.stdio?.args ?? [],
            ...(c.stdio?.cwd === undefined ? {} : { cwd: c.stdio.cwd }),
            ...(c.stdio?.env === undefined ? {} : { env: { ...inheritedEnv(), ...c.stdio.env } }),
            stderr: 'inherit',
          });
    await this.client.connect(transport);
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      await this.refresh();
      this.onToolsChanged?.();
    });
    await this.refresh();
  }

  /** Re-reads every page of the tool list. */
  async refresh(): Promise<void> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor === undefined ? {} : { cursor });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    this.#tools = tools;
  }

  get tools(): readonly Tool[] {
    return this.#tools;
  }

  /** Calls a tool with the upstream's timeout. */
  async call(name: string, args: unknown, signal?: AbortSignal): Promise<CallToolResult> {
    const result = await this.client.callTool({ name, arguments: args as Record<string, unknown> }, undefined, {
      timeout: this.config.timeout_ms,
      ...(signal === undefined ? {} : { signal }),
    });
    return result as CallToolResult;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The SDK's default environment for stdio children (it passes only a safe subset unless told). */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER']) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Every upstream, connected, and the routing table over their mapped tools. */
export class Upstreams {
  readonly list: Upstream[];
  #routes = new Map<string, Route>();

  constructor(configs: readonly UpstreamConfig[], version: string) {
    this.list = configs.map((c) => new Upstream(c, version));
  }

  async connect(): Promise<void> {
    await Promise.all(this.list.map((u) => u.connect()));
    for (const u of this.list) u.onToolsChanged = () => this.#rebuild();
    this.#rebuild();
  }

  #rebuild(): void {
    const routes = new Map<string, Route>();
    for (const upstream of this.list)
      for (const tool of upstream.tools) {
        const mapping = upstream.config.tools[tool.name];
        if (mapping === undefined) continue;
        const exposedName = mapping.expose_as ?? tool.name;
        routes.set(exposedName, { exposedName, upstream, tool, mapping });
      }
    this.#routes = routes;
  }

  /** The route for an exposed tool name, if it is mapped and the upstream offers it. */
  route(name: string): Route | undefined {
    return this.#routes.get(name);
  }

  /** Every routed tool. */
  routes(): Route[] {
    return [...this.#routes.values()];
  }

  /** Mapped tools no upstream offers (a configuration worth a warning). */
  missing(): string[] {
    const offered = new Set(this.routes().map((r) => `${r.upstream.config.name}/${r.tool.name}`));
    return this.list.flatMap((u) =>
      Object.keys(u.config.tools)
        .filter((t) => !offered.has(`${u.config.name}/${t}`))
        .map((t) => `${u.config.name}/${t}`),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.list.map((u) => u.close()));
  }
}
