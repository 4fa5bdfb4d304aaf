/**
 * prom-client with no-op metrics (see no-metrics.ts): Counter, Gauge, Histogram and Summary
 * construct a handle that answers every property and call with itself, so `labels(...).inc()`
 * and `startTimer()()` cost next to nothing. Everything else, the Registry included, is the real
 * prom-client, so GET /metrics still answers (with no regent series).
 */
export * from 'prom-client';

const noop: unknown = new Proxy(function noop() {}, {
  // 'then' stays undefined so an awaited handle is not mistaken for a promise.
  get: (_target, key) => (key === 'then' ? undefined : noop),
  apply: () => noop,
});

/** A metric constructor whose instances record nothing: `new` returns the shared no-op handle. */
const NoopMetric = function NoopMetric() {
  return noop;
} as unknown as new (...args: unknown[]) => unknown;

export { NoopMetric as Counter, NoopMetric as Gauge, NoopMetric as Histogram, NoopMetric as Summary };

/** Process metrics off too: they are part of what "metrics" costs. */
export function collectDefaultMetrics(): void {}
