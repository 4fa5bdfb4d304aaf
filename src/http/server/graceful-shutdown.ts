/**
 * Graceful shutdown, in the order that loses no decision: report not-ready at once and keep
 * serving for the drain delay (load balancers take a few probes to notice), then stop accepting
 * and close keep-alive connections as they fall idle, give requests in flight up to the drain
 * timeout, and only then close the stores (policy, sessions, audit) so no request sees a closed
 * one. src/main.ts calls it on SIGTERM/SIGINT.
 */
import type { Logger } from '../../observability/logger.ts';
import type { DrainState } from './drain-state.ts';
import type { RegentHttpServer } from './http-server.ts';

/** What {@link shutDownGracefully} needs. */
export interface ShutdownOptions {
  http: RegentHttpServer;
  drain: DrainState;
  /** REGENT_DRAIN_DELAY_SECONDS, in ms. */
  delayMs: number;
  /** REGENT_DRAIN_TIMEOUT_SECONDS, in ms. */
  timeoutMs: number;
  /** Closes the stores (Regent.close()). */
  closeStores(): Promise<void>;
  logger: Logger;
}

/** How the drain ended: every request answered, or some cut off at the timeout. */
export type DrainOutcome = 'drained' | 'timed_out';

/** Drains the server and closes the stores; resolves when both are done. */
export async function shutDownGracefully(o: ShutdownOptions): Promise<DrainOutcome> {
  o.drain.begin();
  o.logger.info('draining: readiness is now 503', { delay_ms: o.delayMs, in_flight: o.http.inFlight() });
  if (o.delayMs > 0) await sleep(o.delayMs);
  o.logger.info('draining: no longer accepting connections', { in_flight: o.http.inFlight() });
  const closed = o.http.stopAccepting();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    closed.then((): DrainOutcome => 'drained'),
    new Promise<DrainOutcome>((resolve) => (timer = setTimeout(() => resolve('timed_out'), o.timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'timed_out') {
    o.logger.warn('drain timeout passed: cutting the remaining connections', {
      timeout_ms: o.timeoutMs,
      in_flight: o.http.inFlight(),
    });
    o.http.cutOff();
    await closed;
  }
  await o.closeStores();
  o.logger.info('shut down', { drain: outcome });
  return outcome;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
