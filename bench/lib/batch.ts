/**
 * Batch vs single decisions on one running regent: the same request bodies sent one per
 * `POST /v1/decisions` and `batchSize` per `POST /v1/decisions/batch`, by `concurrency` clients.
 * The measure is regent's CPU seconds per decision (from /proc, summed over its threads, so a busy
 * machine barely moves it), i.e. decisions per core. A run in which any decision failed closed is
 * refused: a deny from a timeout is an answer, not a decision, and would flatter the mode.
 */
import { cpuSeconds, mainThreadCpuSeconds } from './proc.ts';
import { failClosedByCode } from './servers.ts';

/** One mode's figures. */
export interface BatchModeResult {
  label: string;
  decisions: number;
  /** Wall-clock seconds for the measured part. */
  seconds: number;
  /** regent CPU seconds per 1,000 decisions. */
  cpuPer1k: number;
  /** Decisions per regent CPU-second. */
  perCpuSecond: number;
  /** Decisions per wall-clock second. */
  perSecond: number;
  /**
   * CPU seconds per 1,000 decisions on regent's HTTP thread alone (the rest is evaluation workers,
   * GC and libuv threads). One thread does this part, so 1000 / this bounds decisions/s on any
   * number of cores. Absent in results written before 2026-11-24.
   */
  httpThreadPer1k?: number;
}

/** What {@link compareBatch} measured. */
export interface BatchComparison {
  single: BatchModeResult | undefined;
  batch: BatchModeResult;
  batchSize: number;
  /** Clients sending single requests, and clients sending batches. */
  concurrency: { single: number; batch: number };
}

/** How to compare. */
export interface BatchOptions {
  url: string;
  pid: number;
  /** Decision request bodies (JSON text), cycled. */
  bodies: readonly string[];
  total: number;
  batchSize: number;
  /**
   * Clients per mode. Batch clients keep `batch * batchSize` decisions in flight: more than one
   * core finishes within the evaluation deadline (250 ms) and the excess fails closed, by design.
   */
  concurrency: { single: number; batch: number };
  /** Measure only the batch mode (profiling). */
  batchOnly?: boolean;
}

/** regent_fail_closed_total by code. */
async function failClosed(url: string): Promise<Map<string, number>> {
  return failClosedByCode(await (await fetch(`${url}/metrics`)).text());
}

async function measure(
  o: BatchOptions,
  label: string,
  requests: number,
  body: (i: number) => string,
  path: string,
  perRequest: number,
  clients: number,
): Promise<BatchModeResult> {
  let next = 0;
  const post = async () => {
    while (next < requests) {
      const i = next++;
      const res = await fetch(`${o.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(i),
      });
      if (res.status !== 200) throw new Error(`${label}: status ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 4 }, post)); // warm-up: the same work, not measured
  next = 0;
  const failed0 = await failClosed(o.url);
  const cpu0 = cpuSeconds(o.pid);
  const main0 = mainThreadCpuSeconds(o.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, post));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(o.pid) - cpu0;
  const mainCpu = mainThreadCpuSeconds(o.pid) - main0;
  const decisions = requests * perRequest;
  const failed = [...(await failClosed(o.url))]
    .map(([code, n]): [string, number] => [code, n - (failed0.get(code) ?? 0)])
    .filter(([, n]) => n > 0);
  if (failed.length > 0) {
    const what = failed.map(([code, n]) => `${n} ${code}`).join(', ');
    throw new Error(`${label}: of ${decisions} decisions, ${what} failed closed; not a valid measurement`);
  }
  return {
    label,
    decisions,
    seconds,
    cpuPer1k: (cpu / decisions) * 1000,
    perCpuSecond: decisions / cpu,
    perSecond: decisions / seconds,
    httpThreadPer1k: (mainCpu / decisions) * 1000,
  };
}

/** Measures single requests, then batches, of the same bodies. */
export async function compareBatch(o: BatchOptions): Promise<BatchComparison> {
  const single =
    o.batchOnly === true
      ? undefined
      : await measure(
          o,
          'single',
          o.total,
          (i) => o.bodies[i % o.bodies.length]!,
          '/v1/decisions',
          1,
          o.concurrency.single,
        );
  const batchBody = `{"decisions":[${Array.from({ length: o.batchSize }, (_, i) => o.bodies[i % o.bodies.length]).join(',')}]}`;
  const batch = await measure(
    o,
    `batch of ${o.batchSize}`,
    Math.ceil(o.total / o.batchSize),
    () => batchBody,
    '/v1/decisions/batch',
    o.batchSize,
    o.concurrency.batch,
  );
  return { single, batch, batchSize: o.batchSize, concurrency: o.concurrency };
}
