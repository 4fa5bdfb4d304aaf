/**
 * Start-up warnings for stores left in files while other state is shared between replicas
 * (src/config/replica-warnings.ts), and that `node src/main.ts` logs them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/load-config.ts';
import { replicaWarnings } from '../../src/config/replica-warnings.ts';
import { start as startRedis } from '../support/redis-server.ts';
import { startRegentProcess } from '../support/regent-process.ts';
import { scratchEnv } from '../support/scratch-state.ts';

describe('replicaWarnings', () => {
  it('says nothing on a single instance with its defaults', () => {
    assert.deepEqual(replicaWarnings(defaultConfig({})), []);
  });

  it('names the approval file and the directory file once state is shared through Redis or PostgreSQL', () => {
    for (const shared of [{ redisUrl: 'redis://127.0.0.1:6379' }, { auditDatabaseUrl: 'postgres://db/regent' }]) {
      const warnings = replicaWarnings(defaultConfig(shared));
      assert.equal(warnings.length, 2, JSON.stringify(shared));
      assert.match(warnings[0] ?? '', /REGENT_APPROVAL_STORE=file.*an approval given on one is unknown to the others/);
      assert.match(warnings[1] ?? '', /REGENT_DIRECTORY_PATH.*a leaver's deactivation included/);
    }
  });

  it('is quiet once approvals and the directory are shared too, or SCIM is off', () => {
    const shared = { redisUrl: 'redis://127.0.0.1:6379' };
    assert.deepEqual(
      replicaWarnings(
        defaultConfig({ ...shared, approvalStore: 'redis', directoryDatabaseUrl: 'postgres://db/regent' }),
      ),
      [],
    );
    assert.deepEqual(replicaWarnings(defaultConfig({ ...shared, approvalStore: 'postgres', directoryPath: '' })), []);
  });
});

describe('node src/main.ts with Redis and file stores', () => {
  it('logs both warnings at start and serves', async () => {
    const redis = await startRedis();
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-replica-warnings-'));
    try {
      const regent = await startRegentProcess({ ...scratchEnv(dir), REGENT_REDIS_URL: redis.url });
      try {
        const warned = regent
          .output()
          .split('\n')
          .filter((l) => l.includes('"level":"warn"'));
        assert.equal(warned.filter((l) => /REGENT_APPROVAL_STORE=file/.test(l)).length, 1, regent.output());
        assert.equal(warned.filter((l) => /REGENT_DIRECTORY_PATH/.test(l)).length, 1, regent.output());
        assert.equal((await fetch(`${regent.url}/health/ready`)).status, 200);
      } finally {
        await regent.stop();
      }
    } finally {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
