/**
 * Drives vegeta (pinned in tools/go.mod) and reads its results. Open-loop runs send at a fixed
 * rate whatever the server does, so queueing shows up in the latencies instead of slowing the
 * sender (no coordinated omission); closed-loop runs keep a fixed number of connections busy
 * to find the maximum. Percentiles are computed here from every request's latency, exactly.
 */
import { spawn } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pinned } from './settings.ts';

/** One HTTP request the load generator cycles through. */
export interface Target {
  url: string;
  body: string;
}

/** How one attack is paced. */
export type Pace = { kind: 'open'; rate: number } | { kind: 'closed'; connections: number };

/** What one attack measured. */
export interface AttackStats {
  pace: Pace;
  requests: number;
  /** Responses with status 200. */
  ok: number;
  errorRate: number;
  /** Requests sent per second. */
  offered: number;
  /** Status-200 responses per second, over the time from the first send to the last answer. */
  throughput: number;
  /** Latency percentiles in milliseconds, over every request (failures included). */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** The most common failure, if any. */
  firstError: string | undefined;
}

/** Writes targets in vegeta's JSON format (one request per line, base64 bodies). */
export function writeTargets(file: string, targets: readonly Target[]): void {
  const lines = targets.map((t) =>
    JSON.stringify({
      method: 'POST',
      url: t.url,
      body: Buffer.from(t.body).toString('base64'),
      header: { 'Content-Type': ['application/json'] },
    }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stderr) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** Options of one attack. */
export interface AttackOptions {
  vegeta: string;
  cpus: string;
  targetsFile: string;
  resultsFile: string;
  pace: Pace;
  seconds: number;
  /** Requests slower than this fail, so an overloaded step ends on time. */
  timeoutSeconds?: number;
}

/** Runs one attack and returns its statistics. */
export async function attack(o: AttackOptions): Promise<AttackStats> {
  const pacing =
    o.pace.kind === 'open'
      ? [`-rate=${Math.max(1, Math.round(o.pace.rate))}/s`]
      : ['-rate=0', `-workers=${o.pace.connections}`, `-max-workers=${o.pace.connections}`];
  const [cmd, args] = pinned(o.cpus, o.vegeta, [
    'attack',
    '-format=json',
    `-targets=${o.targetsFile}`,
    `-duration=${o.seconds}s`,
    `-timeout=${o.timeoutSeconds ?? 5}s`,
    '-max-body=0',
    '-http2=false',
    `-output=${o.resultsFile}`,
    ...pacing,
  ]);
  await run(cmd, args);
  const csv = o.resultsFile + '.csv';
  await run(o.vegeta, ['encode', '--to=csv', `--output=${csv}`, o.resultsFile]);
  return summarise(csv, o.pace);
}

const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

/** Reads vegeta's CSV (timestamp ns, status, latency ns, ...) into {@link AttackStats}. */
async function summarise(csv: string, pace: Pace): Promise<AttackStats> {
  const latencies: number[] = [];
  let ok = 0;
  let first = Infinity;
  let lastSend = -Infinity;
  let lastDone = -Infinity;
  const errors = new Map<string, number>();
  const lines = createInterface({ input: createReadStream(csv) });
  for await (const line of lines) {
    if (line === '') continue;
    const [ts, code, latency, , , error] = line.split(',', 6);
    const sent = Number(ts) / 1e6;
    const ms = Number(latency) / 1e6;
    latencies.push(ms);
    first = Math.min(first, sent);
    lastSend = Math.max(lastSend, sent);
    lastDone = Math.max(lastDone, sent + ms);
    if (code === '200') ok++;
    else {
      const key = error !== undefined && error !== '' ? error.replace(/\d+/g, 'N').slice(0, 120) : `status ${code}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  }
  const sorted = Float64Array.from(latencies).sort();
  const n = sorted.length;
  const sendSpan = Math.max(1, lastSend - first) / 1000;
  const span = Math.max(1, lastDone - first) / 1000;
  const firstError = [...errors.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return {
    pace,
    requests: n,
    ok,
    errorRate: n === 0 ? 1 : (n - ok) / n,
    offered: n <= 1 ? n : (n - 1) / sendSpan,
    throughput: ok / span,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: n === 0 ? NaN : sorted[n - 1]!,
    firstError,
  };
}
