#!/usr/bin/env node
/**
 * `regent-mcp-gateway --config gateway.json [--transport stdio|http]`: connects the upstreams,
 * then serves the agent over stdio (the default when the configuration has `agent`) or
 * Streamable HTTP (the default when it has only `http`). Logs are JSON lines on stderr.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadGatewayConfig } from './config.ts';
import { Gateway } from './gateway.ts';
import { listenHttp } from './http-listener.ts';
import { serveStdio } from './stdio-listener.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: 'string', short: 'c' }, transport: { type: 'string', short: 't' } },
  });
  const file = values.config ?? process.env['REGENT_GATEWAY_CONFIG'];
  if (file === undefined) {
    process.stderr.write('usage: regent-mcp-gateway --config gateway.json [--transport stdio|http]\n');
    return 2;
  }
  let config;
  try {
    config = loadGatewayConfig(file);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 2;
  }
  const transport = values.transport ?? (config.agent !== undefined ? 'stdio' : 'http');
  if (transport !== 'stdio' && transport !== 'http') {
    process.stderr.write(`unknown transport ${transport}: stdio or http\n`);
    return 2;
  }
  const gateway = new Gateway(config);
  await gateway.start();
  if (transport === 'stdio') {
    await serveStdio(gateway);
    await gateway.close();
    return 0;
  }
  const listener = await listenHttp(gateway);
  process.stderr.write(JSON.stringify({ event: 'listening', url: listener.url }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await listener.close();
  await gateway.close();
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`regent-mcp-gateway: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
