/**
 * Trace context on every request (W3C `traceparent` / `tracestate`). With tracing on, each
 * request gets a server span whose parent is the caller's span (a malformed header is ignored:
 * the request starts a new trace, never an error), the response carries the server span's
 * `traceparent`, and the request's log lines carry `trace_id` and `span_id`. With tracing off, a
 * valid incoming `traceparent` still puts its `trace_id` on the request's log lines, and a
 * request without one costs a header lookup.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../logger.ts';
import { attachScope } from '../request-scope.ts';

/** What {@link traceRequests} does beyond reading `traceparent`. */
export interface RequestTracingOptions {
  /** Server spans on this tracer; undefined: tracing off (no spans, no response header). */
  tracer?: Tracer;
  /** Record every request's peer address for OPA decision events, even without a trace. */
  recordPeer: boolean;
}

const propagator = new W3CTraceContextPropagator();

/** Middleware (after request-context.ts, which sets `res.locals.log`) that joins requests to traces. */
export function traceRequests(options: RequestTracingOptions): RequestHandler {
  const { tracer, recordPeer } = options;
  if (tracer === undefined) {
    return (req, res, next) => {
      let traceId: string | undefined;
      if (req.headers.traceparent !== undefined)
        traceId = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter))?.traceId;
      if (traceId === undefined && !recordPeer) {
        next();
        return;
      }
      const log = res.locals['log'] as Logger;
      const scoped = traceId === undefined ? log : log.child({ trace_id: traceId });
      res.locals['log'] = scoped;
      attachScope(scoped, {
        ...(traceId === undefined ? {} : { traceId }),
        ...(recordPeer ? { requestedBy: peerOf(req) } : {}),
      });
      next();
    };
  }
  return (req, res, next) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    const context = trace.setSpan(parent, span);
    const carrier: Record<string, string> = {};
    propagator.inject(context, carrier, defaultTextMapSetter);
    for (const [name, value] of Object.entries(carrier)) res.setHeader(name, value);
    const { traceId, spanId } = span.spanContext();
    const scoped = (res.locals['log'] as Logger).child({ trace_id: traceId, span_id: spanId });
    res.locals['log'] = scoped;
    attachScope(scoped, { context, traceId, spanId, ...(recordPeer ? { requestedBy: peerOf(req) } : {}) });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      // The matched pattern (a closed set), as request-context.ts labels metrics; never the raw path.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (!res.writableFinished)
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response' });
      else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.on('finish', end);
    res.on('close', end);
    next();
  };
}

function peerOf(req: Request): string {
  const { remoteAddress, remotePort } = req.socket;
  return remoteAddress === undefined ? '' : `${remoteAddress}:${String(remotePort)}`;
}
