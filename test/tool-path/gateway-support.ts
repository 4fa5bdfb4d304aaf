/**
 * Helpers for the gateway's tests: the example HR server's gateway configuration, a started
 * gateway over Streamable HTTP, and an MCP client acting as the agent.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { RegentClient, type ToolMapping } from '@regent/client';
import { Gateway, listenHttp, parseGatewayConfig, type HttpListener } from '@regent/mcp-gateway';
import { hrServer } from '../../packages/mcp-gateway/examples/hr-server.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The example HR MCP server. */
export const HR_SERVER = path.join(ROOT, 'packages/mcp-gateway/examples/hr-server.ts');

/** Tokens of the two test clients. */
export const TOKENS = { hr: 'hr-agent-token', sales: 'sales-agent-token' } as const;
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/**
 * The HR assistant acting for alice, the HR user the shipped directory clears for restricted data
 * (declared: with principal verification off, a declared principal only adds checks).
 */
export const HR_AGENT = { id: 'hr-assistant', on_behalf_of: { id: 'alice' } };

/** The example's tool mapping. */
export const HR_TOOLS = {
  read_employee: {
    regent_tool: 'workday.read_employee',
    kind: 'read',
    resource: { system: 'workday', id: '/employee_id' },
  },
  post_message: { regent_tool: 'slack.post_message', kind: 'send', destination: { system: 'slack', id: '/channel' } },
  send_dm: { regent_tool: 'email.send', kind: 'send', destination: { system: 'email', recipients: '/to' } },
} satisfies Record<string, ToolMapping>;

/** A gateway configuration fronting the example HR server (stdio) for regent at `regentUrl`. */
export function hrGatewayConfig(regentUrl: string, outbox: string, extra: Record<string, unknown> = {}): unknown {
  return {
    regent: { url: regentUrl, deadline_ms: 2000 },
    agent: HR_AGENT,
    http: {
      host: '127.0.0.1',
      port: 0,
      clients: [
        { token_sha256: sha(TOKENS.hr), agent: HR_AGENT },
        { token_sha256: sha(TOKENS.sales), agent: { id: 'sales-assistant' } },
      ],
    },
    upstreams: {
      hr: {
        stdio: { command: process.execPath, args: [HR_SERVER], env: { HR_SERVER_OUTBOX: outbox } },
        tools: HR_TOOLS,
      },
    },
    ...extra,
  };
}

/** A running gateway over Streamable HTTP and what it writes to its log. */
export interface RunningGateway {
  gateway: Gateway;
  listener: HttpListener;
  outbox: string;
  logs: Record<string, unknown>[];
  /** Messages the HR server delivered. */
  delivered(): Promise<Record<string, unknown>[]>;
  /** An MCP client connected as the agent holding `token`. */
  connect(token: string): Promise<Client>;
  close(): Promise<void>;
}

/** Starts a gateway for regent at `regentUrl`. */
export async function startGateway(regentUrl: string, extra: Record<string, unknown> = {}): Promise<RunningGateway> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-gateway-'));
  const outbox = path.join(dir, 'outbox.jsonl');
  const config = parseGatewayConfig(hrGatewayConfig(regentUrl, outbox, extra), dir);
  const logs: Record<string, unknown>[] = [];
  const gateway = new Gateway(config, (e) => logs.push(e));
  await gateway.start();
  const listener = await listenHttp(gateway);
  const clients: Client[] = [];
  return {
    gateway,
    listener,
    outbox,
    logs,
    async delivered() {
      const text = await readFile(outbox, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async connect(token) {
      const client = new Client({ name: 'scripted-agent', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(listener.url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await listener.close();
      await gateway.close();
    },
  };
}

/** The text of a tool result's content. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

/** What an adapter's end-to-end tests share: a regent on the shipped library, its client, the HR MCP server in memory and its outbox. */
export interface AdapterSuite {
  regent: TestServer;
  client: RegentClient;
  mcp: Client;
  outbox: string;
}

/**
 * Starts, before the describe block's tests, a regent on the shipped library, a client to it and
 * the example HR MCP server (in memory, its outbox in a temporary file), and closes them after.
 * The fields are set once `before` has run.
 */
export function adapterSuite(name: string): AdapterSuite {
  const suite = {} as AdapterSuite;
  before(async () => {
    suite.regent = await startRegent({ bundlePath: (await regoBundle()).file });
    suite.client = new RegentClient({ url: suite.regent.url });
    suite.outbox = path.join(await mkdtemp(path.join(tmpdir(), `regent-${name}-`)), 'outbox.jsonl');
    process.env['HR_SERVER_OUTBOX'] = suite.outbox;
    const [a, b] = InMemoryTransport.createLinkedPair();
    await hrServer().connect(a);
    suite.mcp = new Client({ name: `${name}-test`, version: '1' });
    await suite.mcp.connect(b);
  });
  after(async () => {
    await suite.mcp.close();
    suite.client.close();
    await suite.regent.close();
    delete process.env['HR_SERVER_OUTBOX'];
  });
  return suite;
}
