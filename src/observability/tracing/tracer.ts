/**
 * The OpenTelemetry SDK as regent uses it: one TracerProvider per regent (never the global one),
 * a parent-based sampler, a batch span processor and the OTLP/HTTP (JSON) exporter, whose export
 * results are counted and failures logged. Built only when REGENT_OTLP_ENDPOINT is set.
 */
import type { Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { Counter, type Registry } from 'prom-client';
import { describeThrown } from '../../errors/policy-errors.ts';
import type { Logger } from '../logger.ts';

/** The tracing settings (REGENT_OTLP_* and REGENT_TRACE_SAMPLE_PERCENT). */
export interface TracingSettings {
  /** OTLP/HTTP base URL; spans are POSTed to `<endpoint>/v1/traces`. Empty: tracing off. */
  otlpEndpoint: string;
  otlpServiceName: string;
  /** Share of new traces (no sampled parent) recorded, 0..100; a caller's sampled flag is followed. */
  traceSamplePercent: number;
  /** Service version reported as `service.version`. */
  version: string;
}

/** A running tracer and the means to flush and stop it. */
export interface TracingRuntime {
  readonly tracer: Tracer;
  /** Exports what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  /** Exports what is buffered and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** The traces URL of an OTLP/HTTP endpoint given as a base URL (a URL already ending in /v1/traces is kept). */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/** Starts the SDK for `settings` (endpoint set), counting exports on `registry`. */
export function startTracing(settings: TracingSettings, deps: { registry: Registry; logger: Logger }): TracingRuntime {
  const exports = new Counter({
    name: 'regent_trace_exports_total',
    help: 'OTLP span export attempts, by result.',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  for (const result of ['success', 'failure']) exports.labels(result).inc(0);
  const exporter = new CountingExporter(
    new OTLPTraceExporter({ url: tracesUrl(settings.otlpEndpoint), timeoutMillis: 10_000 }),
    (result) => {
      exports.labels(result.code === ExportResultCode.SUCCESS ? 'success' : 'failure').inc();
      if (result.code !== ExportResultCode.SUCCESS)
        deps.logger.warn('span export failed', { error: describeThrown(result.error ?? 'unknown') });
    },
  );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.otlpServiceName,
      'service.version': settings.version,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.traceSamplePercent / 100) }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000, maxQueueSize: 8192 })],
  });
  return {
    tracer: provider.getTracer('regent', settings.version),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Passes spans to `inner` and reports each export's result. */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #report: (result: ExportResult) => void;

  constructor(inner: SpanExporter, report: (result: ExportResult) => void) {
    this.#inner = inner;
    this.#report = report;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      this.#report(result);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}
