/**
 * Memory soak: a million decisions through regent's real decision service (worker-pool
 * evaluation, detectors, redaction, session state, metrics), in-process without HTTP so it runs
 * in minutes. Prints RSS and the largest wasm instance memory after the first 100,000 decisions
 * and at the end, and exits 1 when either grew by more than 10%.
 *
 *   node bench/soak.ts [--decisions 1000000] [--checkpoint 100000]
 * The audit trail is off here (a million records is a disk test, not a memory one).
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
import { buildCapabilities } from '../src/policy/capabilities.ts';
import { buildBundle } from '../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../test/fixtures/examples.ts';

const { values } = parseArgs({
  options: { decisions: { type: 'string', default: '1000000' }, checkpoint: { type: 'string', default: '100000' } },
});
const total = Number(values.decisions);
const checkpoint = Number(values.checkpoint);

const dir = await mkdtemp(path.join(tmpdir(), 'regent-soak-'));
const bundlePath = path.join(dir, 'regent.tar.gz');
await buildBundle({
  sourceDir: path.join(REPO_ROOT, 'rego'),
  outFile: bundlePath,
  capabilities: await buildCapabilities(opaBinary()),
});
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
const started = Date.now();
const concurrency = 64;
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      await regent.decisions.decide(request(i), logger);
      if (i + 1 === checkpoint) {
        global.gc?.();
        atCheckpoint = { rss: process.memoryUsage().rss, wasm: regent.policies.current()!.evaluator.memoryBytes() };
        console.log(
          `after ${checkpoint} decisions: rss ${mib(atCheckpoint.rss)} MiB, wasm ${mib(atCheckpoint.wasm)} MiB`,
        );
      }
    }
  }),
);
global.gc?.();
const end = { rss: process.memoryUsage().rss, wasm: regent.policies.current()!.evaluator.memoryBytes() };
const seconds = (Date.now() - started) / 1000;
console.log(
  `after ${total} decisions: rss ${mib(end.rss)} MiB, wasm ${mib(end.wasm)} MiB (${(total / seconds).toFixed(0)} decisions/s in-process, ${regent.policies.current()!.evaluator.recycled()} instances recycled)`,
);
await regent.close();
if (atCheckpoint === undefined) throw new Error('checkpoint not reached');
const rssGrowth = end.rss / atCheckpoint.rss - 1;
const wasmGrowth = end.wasm / Math.max(1, atCheckpoint.wasm) - 1;
console.log(`growth: rss ${(rssGrowth * 100).toFixed(1)}%, wasm ${(wasmGrowth * 100).toFixed(1)}% (limit 10%)`);
process.exitCode = rssGrowth > 0.1 || wasmGrowth > 0.1 ? 1 : 0;
