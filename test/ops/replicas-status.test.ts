/**
 * Replicas' health in /v1/status (and the console's status page): with Redis shared, every
 * replica's heartbeat (revision, ready) is listed and revision skew is flagged; a replica that
 * closes leaves the list; without Redis the status says it shows this instance only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faultBundle, regoBundle } from '../support/bundles.ts';
import { start as startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

type Replicas = {
  backend: string;
  instance: string;
  replicas: { instance: string; revision: string | null; ready: boolean }[];
  revisions: string[];
  skew: boolean;
};

const replicasOf = async (server: TestServer): Promise<Replicas> =>
  ((await server.get('/v1/status')).body as { result: { replicas: Replicas } }).result.replicas;

describe('replicas in /v1/status', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => redis.stop());

  it('lists every replica on the shared Redis and flags revision skew', async () => {
    const rego = await regoBundle();
    const other = await faultBundle('undefined');
    const a = await startRegent({ bundlePath: rego.file, redisUrl: redis.url, redisKeyPrefix: 'skew:' });
    const b = await startRegent({ bundlePath: other.file, redisUrl: redis.url, redisKeyPrefix: 'skew:' });
    try {
      const seen = await replicasOf(b);
      assert.equal(seen.backend, 'redis');
      assert.equal(seen.replicas.length, 2, JSON.stringify(seen));
      assert.ok(seen.replicas.every((r) => r.ready));
      assert.deepEqual(seen.revisions, [rego.revision, other.revision].sort());
      assert.equal(seen.skew, true);
      const ownA = (await replicasOf(a)).instance;
      assert.ok(seen.replicas.some((r) => r.instance === ownA && r.revision === rego.revision));
      await b.close();
      const again = await startRegent({ bundlePath: rego.file, redisUrl: redis.url, redisKeyPrefix: 'skew:' });
      try {
        const now = await replicasOf(again);
        assert.equal(now.replicas.length, 2, 'the closed replica left the list');
        assert.equal(now.skew, false);
        assert.deepEqual(now.revisions, [rego.revision]);
      } finally {
        await again.close();
      }
    } finally {
      await a.close();
      await b.close().catch(() => undefined);
    }
  });

  it('says it shows this instance only without Redis', async () => {
    const server = await startRegent({ bundlePath: (await regoBundle()).file });
    try {
      const r = await replicasOf(server);
      assert.equal(r.backend, 'local');
      assert.equal(r.replicas.length, 1);
      assert.equal(r.skew, false);
    } finally {
      await server.close();
    }
  });
});
