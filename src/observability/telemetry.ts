/**
 * Tracing (src/observability/tracing) and OPA-format decision logs
 * (src/observability/decision-logs) built from configuration, with their start-up checks. Both
 * are off by default; off, the request middleware only looks for a `traceparent` header and the
 * decision service holds no tracing or event port.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import pkg from '../../package.json' with { type: 'json' };
import { DecisionLogUploader, opaDecisionLogSink, type DecisionLogSink } from './decision-logs/index.ts';
import type { Logger } from './logger.ts';
import type { TelemetryKeys } from './telemetry-keys.ts';
import { decisionTracing, startTracing, traceRequests, type DecisionTracing } from './tracing/index.ts';

/** What regent.ts wires: the request middleware, the decision service's ports, and a close. */
export interface Telemetry {
  /** Mount right after request-context.ts. */
  readonly requests: RequestHandler;
  readonly tracing: DecisionTracing | undefined;
  readonly decisionEvents: DecisionLogSink | undefined;
  /** Whether regent's own decision record goes to stdout (REGENT_DECISION_LOG, format regent). */
  readonly regentDecisionLog: boolean;
  /** Exports buffered spans (tests). */
  flush(): Promise<void>;
  /** Uploads buffered decision events and spans, then stops. */
  close(): Promise<void>;
}

/** Builds tracing and decision logs for `keys`, their metrics on `registry`. */
export function createTelemetry(keys: TelemetryKeys, deps: { registry: Registry; logger: Logger }): Telemetry {
  const runtime =
    keys.otlpEndpoint === ''
      ? undefined
      : startTracing(
          {
            otlpEndpoint: keys.otlpEndpoint,
            otlpServiceName: keys.otlpServiceName,
            traceSamplePercent: keys.traceSamplePercent,
            version: pkg.version,
          },
          deps,
        );
  const opaConsole = keys.decisionLog && keys.decisionLogFormat === 'opa';
  const uploader =
    keys.decisionLogUrl === ''
      ? undefined
      : new DecisionLogUploader(
          {
            url: keys.decisionLogUrl,
            token:
              keys.decisionLogTokenFile === '' ? undefined : readFileSync(keys.decisionLogTokenFile, 'utf8').trim(),
            bufferEvents: keys.decisionLogBufferEvents,
            intervalMs: keys.decisionLogUploadIntervalMs,
          },
          deps,
        );
  const decisionEvents =
    opaConsole || uploader !== undefined
      ? opaDecisionLogSink({
          settings: {
            instanceId: randomUUID(),
            version: pkg.version,
            bundleName: 'regent',
            logInputs: keys.decisionLogInputs,
            logPayloads: keys.logPayloads,
          },
          console: opaConsole,
          uploader,
        })
      : undefined;
  return {
    requests: traceRequests({
      ...(runtime === undefined ? {} : { tracer: runtime.tracer }),
      recordPeer: uploader !== undefined || opaConsole,
    }),
    tracing: runtime === undefined ? undefined : decisionTracing(runtime.tracer),
    decisionEvents,
    regentDecisionLog: keys.decisionLog && keys.decisionLogFormat !== 'opa',
    flush: async () => runtime?.flush(),
    async close() {
      await Promise.all([uploader?.close(), runtime?.shutdown()]);
    },
  };
}
