/**
 * The shadow queue's bound, deterministically: offers made in one turn (before the drain can
 * start) fill the queue to its capacity and every further offer is dropped and counted at once,
 * never waited for. Over HTTP the same burst may or may not outrun the drain, so the bound is
 * checked here, on the runner itself, with a real candidate bundle evaluated in-thread.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLifecycleMetrics } from '../../src/observability/lifecycle-metrics.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { ShadowRunner } from '../../src/policy/shadow.ts';
import { opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { buildVariant } from '../support/lifecycle-variants.ts';

const offer = (i: number) => ({
  decisionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  revision: 'base-allow',
  inputJson: JSON.stringify(EXAMPLES.allow),
  decision: 'allow' as const,
  reasonCodes: [],
  redactedPaths: [],
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('shadow queue', () => {
  const registry = new Registry();
  const lifecycle = createLifecycleMetrics(registry);
  let runner: ShadowRunner;

  before(async () => {
    const deny = await buildVariant('deny');
    runner = new ShadowRunner({
      evaluator: { maxMemoryPages: 512, recycleAboveBytes: 16 << 20, timeoutMs: 5000, workers: 0, maxQueue: 16 },
      queueSize: 4,
      capabilities: () => buildCapabilities(opaBinary()),
      lifecycle,
      logger: createLogger({ level: 'error', silent: true }),
    });
    await runner.loadBytes(deny.bytes, 'upload');
  });
  after(async () => runner.close());

  it('keeps its capacity and drops the rest of a burst, counted', async () => {
    for (let i = 0; i < 40; i++) runner.offer(offer(i));
    const queued = runner.state() as { queue: { depth: number }; dropped: number };
    assert.equal(queued.queue.depth, 4);
    assert.equal(queued.dropped, 36);
    const dropped = (await registry.getSingleMetric('regent_shadow_dropped_total')?.get())?.values[0]?.value;
    assert.equal(dropped, 36);
    await until(() => (runner.state() as { evaluated: number }).evaluated === 4);
    const s = runner.state() as { evaluated: number; dropped: number; queue: { depth: number }; disagreements: object };
    assert.equal(s.evaluated, 4);
    assert.equal(s.queue.depth, 0);
    assert.deepEqual(s.disagreements, { 'allow->deny': 4 });
  });

  it('bounds queued input bytes as well as count', async () => {
    const small = new ShadowRunner({
      evaluator: { maxMemoryPages: 512, recycleAboveBytes: 16 << 20, timeoutMs: 5000, workers: 0, maxQueue: 16 },
      queueSize: 100,
      queueBytes: 3 * JSON.stringify(EXAMPLES.allow).length,
      capabilities: () => buildCapabilities(opaBinary()),
      lifecycle: createLifecycleMetrics(new Registry()),
      logger: createLogger({ level: 'error', silent: true }),
    });
    try {
      await small.loadBytes((await buildVariant('deny')).bytes, 'upload');
      for (let i = 0; i < 10; i++) small.offer(offer(i));
      const s = small.state() as { queue: { depth: number }; dropped: number };
      assert.equal(s.queue.depth, 3);
      assert.equal(s.dropped, 7);
    } finally {
      await small.close();
    }
  });
});
