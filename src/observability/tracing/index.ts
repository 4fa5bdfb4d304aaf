/**
 * Tracing (OpenTelemetry): W3C trace context on every request, a server span per request and a
 * span per decision and stage, exported over OTLP/HTTP when REGENT_OTLP_ENDPOINT is set (off by
 * default). Owns only telemetry: it imports the decision service's types, the logger and the
 * request scope, and nothing in it decides anything.
 */
export { decisionTracing, type DecisionSpan, type DecisionStage, type DecisionTracing } from './decision-span.ts';
export { traceRequests, type RequestTracingOptions } from './http.ts';
export { startTracing, tracesUrl, type TracingRuntime, type TracingSettings } from './tracer.ts';
