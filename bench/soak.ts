/**
 * Memory soak: a million decisions through regent's real decision service (worker-pool
 * evaluation, detectors, redaction, session state, metrics), in-process without HTTP so it runs
 * in minutes. Prints RSS and the largest wasm instance memory after the first checkpoint, at
 * every checkpoint after it, and at the end, with the answers so far; exits 1 when either grew by
 * more than 10% from the first checkpoint to the end.
 *
 *   node bench/soak.ts [--decisions 1000000] [--checkpoint 100000]
 * The audit trail is off here (a million records is a disk test, not a memory one). The policy is
 * the benchmark's (bench/lib/policy.ts, activity limits lifted): with the shipped limits every
 * agent is in a denial streak after its first few seconds, and the soak would only exercise the
 * deny path, not redaction and session state.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import type { DecisionRequest } from '../src/decision/decision-request.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createRegent } from '../src/regent.ts';
import { EXAMPLES } from '../test/fixtures/examples.ts';
import { buildBenchPolicy } from './lib/policy.ts';

const { values } = parseArgs({
  options: { decisions: { type: 'string', default: '1000000' }, checkpoint: { type: 'string', default: '100000' } },
});
const total = Number(values.decisions);
const checkpoint = Number(values.checkpoint);

const dir = await mkdtemp(path.join(tmpdir(), 'regent-soak-'));
const { wasmBundle: bundlePath } = await buildBenchPolicy(path.join(dir, 'policy'));
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const logger = createLogger({ level: 'info', stream: sink });
const regent = createRegent(defaultConfig({ bundlePath, auditPath: '', port: 0 }), {
  logger,
  defaultMetrics: true,
});
await regent.start();

const bodies = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact] as unknown as DecisionRequest[];
/** Requests with fresh session ids, so session state keeps arriving and expiring like real traffic. */
function request(i: number): DecisionRequest {
  const body = bodies[i % bodies.length] as DecisionRequest;
  return i % 5 === 0 ? { ...body, session: { id: `soak-${i % 50_000}` } } : body;
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
let atCheckpoint: { rss: number; wasm: number } | undefined;
const answers: Record<string, number> = {};
const tally = () =>
  Object.entries(answers)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const started = Date.now();
const concurrency = 64;
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const { decision } = await regent.decisions.decide(request(i), logger);
      answers[decision] = (answers[decision] ?? 0) + 1;
      if ((i + 1) % checkpoint === 0 && i + 1 < total) {
        global.gc?.();
        const memory = process.memoryUsage();
        const now = { rss: memory.rss, wasm: regent.policies.current()!.evaluator.memoryBytes() };
        atCheckpoint ??= now;
        // RSS moves with how much heap V8 keeps reserved; the live heap after a full GC is what a leak grows.
        console.log(
          `after ${i + 1} decisions: rss ${mib(now.rss)} MiB, live heap ${mib(memory.heapUsed)} MiB, wasm ${mib(now.wasm)} MiB, ${((Date.now() - started) / 1000).toFixed(0)} s; ${tally()}`,
        );
      }
    }
  }),
);
global.gc?.();
const endMemory = process.memoryUsage();
const end = { rss: endMemory.rss, wasm: regent.policies.current()!.evaluator.memoryBytes() };
const seconds = (Date.now() - started) / 1000;
console.log(
  `after ${total} decisions: rss ${mib(end.rss)} MiB, live heap ${mib(endMemory.heapUsed)} MiB, wasm ${mib(end.wasm)} MiB (${(total / seconds).toFixed(0)} decisions/s in-process, ${regent.policies.current()!.evaluator.recycled()} instances recycled); ${tally()}`,
);
await regent.close();
if (atCheckpoint === undefined) throw new Error('checkpoint not reached');
const rssGrowth = end.rss / atCheckpoint.rss - 1;
const wasmGrowth = end.wasm / Math.max(1, atCheckpoint.wasm) - 1;
console.log(`growth: rss ${(rssGrowth * 100).toFixed(1)}%, wasm ${(wasmGrowth * 100).toFixed(1)}% (limit 10%)`);
process.exitCode = rssGrowth > 0.1 || wasmGrowth > 0.1 ? 1 : 0;
