/**
 * Process wiring: reads configuration, builds regent, loads the bundle, listens, drains and shuts
 * down on SIGTERM/SIGINT and reloads the credential files on SIGHUP. Everything else is built
 * by createRegent and testable in-process. `regent serve` (src/cli/serve.ts) calls {@link serve};
 * `node src/main.ts [flags]` is the same command.
 */
import type { AddressInfo, Server as NetServer } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config/load-config.ts';
import { replicaWarnings } from './config/replica-warnings.ts';
import { createLogger } from './observability/logger.ts';
import { createHttpServer, type RegentHttpServer } from './http/server/http-server.ts';
import { metricsOnly } from './http/server/metrics-listener.ts';
import { shutDownGracefully } from './http/server/graceful-shutdown.ts';
import { createRegent } from './regent.ts';
import { checkBinding } from './security/binding.ts';
import { authEnabled } from './security/security-settings.ts';

/**
 * Serves regent until a signal stops it. Resolves once listening (0), with 1 when the port
 * cannot be bound, or with 2 when the configuration is invalid or the binding unsafe (nothing
 * started); throws when start-up fails.
 */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
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
    return 2;
  }

  const logger = createLogger({ level: config.logLevel });
  for (const warning of [...binding.warnings, ...replicaWarnings(config)]) logger.warn(warning);
  const regent = createRegent(config, { logger });
  try {
    await regent.start();
  } catch (err) {
    logger.error('regent could not start', { error: (err as Error).message });
    await regent.close();
    process.exitCode = 1;
    throw err;
  }

  const http = createHttpServer(regent.app, config.security, config, regent.drain);
  const server = http.server;
  // A port in use or a host that is not local is a start-up failure with one clear line and
  // exit 1, not an unhandled 'error' event (a stack trace) with the stores left open.
  // With REGENT_REUSE_PORT other regent processes on the host listen on the same port (record 021).
  const listening = await listen(server, { port: config.port, host: config.host, reusePort: config.reusePort });
  if (listening !== null) {
    logger.error('regent could not listen', { host: config.host, port: config.port, error: listening });
    await regent.close();
    return 1;
  }
  let metrics: RegentHttpServer | undefined;
  if (config.metricsPort >= 0) {
    metrics = createHttpServer(metricsOnly(regent.app), config.security, config, regent.drain);
    const failed = await listen(metrics.server, { port: config.metricsPort, host: config.host });
    if (failed !== null) {
      logger.error('regent could not listen for metrics', {
        host: config.host,
        port: config.metricsPort,
        error: failed,
      });
      server.close();
      await regent.close();
      return 1;
    }
    const { port } = metrics.server.address() as AddressInfo;
    logger.info('regent metrics listening', { port });
  }
  {
    const { address, port } = server.address() as AddressInfo;
    logger.info('regent listening', {
      address,
      port,
      tls: config.security.tls !== null,
      authentication: authEnabled(config.security),
      revision: regent.policies.current()?.revision ?? null,
    });
  }

  // The first SIGTERM/SIGINT drains (src/http/server/graceful-shutdown.ts); a second one exits at once.
  let stopping = false;
  async function shutdown(signal: string): Promise<void> {
    if (stopping) {
      logger.warn('second signal: exiting without draining', { signal });
      // A moment for the log line to leave (winston writes asynchronously), then out.
      setTimeout(() => process.exit(1), 50);
      return;
    }
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await shutDownGracefully({
        http,
        drain: regent.drain,
        delayMs: config.drainDelaySeconds * 1000,
        timeoutMs: config.drainTimeoutSeconds * 1000,
        closeStores: () => regent.close(),
        logger,
      });
      // Scrapes and probes were answered through the drain; now the metrics port goes too.
      metrics?.server.close();
      metrics?.cutOff();
      process.exitCode = 0;
    } catch (err) {
      logger.error('shutdown failed', { error: (err as Error).message });
      process.exitCode = 1;
    }
    // Everything regent opened is closed; a handle something else left open must not keep a
    // stopped process alive (the timer itself does not).
    setTimeout(() => {
      logger.warn('handles still open after shutdown; exiting');
      process.exit();
    }, 2_000).unref();
  }
  // SIGHUP re-reads the token and client-certificate files: revoking a token needs no restart
  // (which would drop in-memory session state). TLS certificates are read at start only.
  process.on('SIGHUP', () => {
    regent.reloadCredentials();
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return 0;
}

/** Listens; resolves null once listening, or the error code (a port in use, an address not local). */
function listen(
  server: NetServer,
  options: { port: number; host: string; reusePort?: boolean },
): Promise<string | null> {
  return new Promise((resolve) => {
    const failed = (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message);
    server.once('error', failed);
    server.listen(options, () => {
      server.off('error', failed);
      resolve(null);
    });
  });
}

// `node src/main.ts [flags]` is `regent serve [flags]`. No top-level await: src/cli/serve.ts
// imports this module, and a module still awaiting at top level would deadlock that import.
if (import.meta.main) {
  void import('./cli/main.ts').then(async ({ main }) => {
    process.exitCode = await main(['serve', ...process.argv.slice(2)]);
  });
}
