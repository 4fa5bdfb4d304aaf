/**
 * stdio towards the agent: the process is one connection, its agent is the configuration's
 * `agent`, and its regent session is an id the gateway makes at start (one per process).
 */
import { randomUUID } from 'node:crypto';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Gateway } from './gateway.ts';

/** Serves the gateway on this process's stdin and stdout; resolves when stdin closes. */
export async function serveStdio(gateway: Gateway, sessionId = `mcp-stdio-${randomUUID()}`): Promise<void> {
  const agent = gateway.config.agent;
  if (agent === undefined) throw new Error('the configuration has no "agent" for a stdio connection');
  const server = gateway.serverFor({ agent, sessionId: () => sessionId });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
}
