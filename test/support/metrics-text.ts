/**
 * Reads samples from the Prometheus text format regent's /metrics returns, for tests that check
 * how a counter moved. Validity of the format itself is `promtool`'s job (test/http/metrics.test.ts).
 */
import assert from 'node:assert/strict';

/** The value of the sample named exactly `series` (name and labels, e.g. `x_total{a="b"}`); fails if absent. */
export function sampleValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line !== undefined, `no sample ${series}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
