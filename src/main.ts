/**
 * Process wiring: reads configuration, builds regent, loads the bundle, listens, shuts down
 * cleanly on SIGTERM/SIGINT and reloads the credential files on SIGHUP. Everything else is built
 * by createRegent and testable in-process.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/load-config.ts';
import { createLogger } from './observability/logger.ts';
import { createRegent } from './regent.ts';
import { checkBinding } from './security/binding.ts';
import { authEnabled } from './security/security-settings.ts';
import { createRegentServer } from './security/tls-server.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}

// Before anything starts: a decision point anyone on the network can query or reprogram is a breach.
const binding = checkBinding({
  host: config.host,
  authEnabled: authEnabled(config.security),
  tls: config.security.tls !== null,
  allowUnauthenticatedNetwork: config.allowUnauthenticatedNetwork,
});
if (!binding.ok) {
  console.error(binding.message);
  process.exit(2);
}

const logger = createLogger({ level: config.logLevel });
for (const warning of binding.warnings) logger.warn(warning);
const regent = createRegent(config, { logger });
try {
  await regent.start();
} catch (err) {
  logger.error('regent could not start', { error: (err as Error).message });
  await regent.close();
  process.exitCode = 1;
  throw err;
}

const server = createRegentServer(regent.app, config.security);
server.listen(config.port, config.host, () => {
  const { address, port } = server.address() as AddressInfo;
  logger.info('regent listening', {
    address,
    port,
    tls: config.security.tls !== null,
    authentication: authEnabled(config.security),
    revision: regent.policies.current()?.revision ?? null,
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 30_000;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  server.close();
  server.closeIdleConnections();
  await regent.close();
  process.exitCode = 0;
}
// SIGHUP re-reads the token and client-certificate files: revoking a token needs no restart
// (which would drop in-memory session state). TLS certificates are read at start only.
process.on('SIGHUP', () => {
  regent.reloadCredentials();
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
