/**
 * Behavioural windows through the HTTP API: the example velocity policy stops an agent that reads
 * restricted records in a burst once it reaches the configured threshold (rego/ data:
 * activity.restricted_read_burst.max_reads), and a denial streak stops a session.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent } from '../support/regent-server.ts';

const config = JSON.parse(await readFile(path.join(REPO_ROOT, 'rego/regent/config/data.json'), 'utf8')) as {
  activity: { restricted_read_burst: { max_reads: number }; denial_streak: { max_denials: number } };
};

describe('behavioural windows', () => {
  it('denies the restricted read past the burst threshold with activity.restricted_read_burst', async () => {
    const server = await startRegent({ bundlePath: (await regoBundle()).file });
    try {
      const max = config.activity.restricted_read_burst.max_reads;
      for (let i = 0; i < max; i++)
        assert.equal((await server.post('/v1/decisions', EXAMPLES.allow)).body.decision, 'allow', `read ${i + 1}`);
      const over = await server.post('/v1/decisions', EXAMPLES.allow);
      assert.equal(over.body.decision, 'deny');
      assert.ok(
        over.body.reasons.some((r: { code: string }) => r.code === 'activity.restricted_read_burst'),
        JSON.stringify(over.body),
      );
      assert.equal(
        (await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision,
        'allow',
        'non-restricted reads still go',
      );
      assert.match((await server.get('/metrics')).text, /regent_denial_reasons_total\{reason_class="activity"\} 1/);
    } finally {
      await server.close();
    }
  });

  it('stops a session after a streak of denials with activity.denial_streak', async () => {
    const server = await startRegent({ bundlePath: (await regoBundle()).file });
    try {
      const session = { id: 'sess-streak' };
      const max = config.activity.denial_streak.max_denials;
      for (let i = 0; i < max; i++)
        assert.equal((await server.post('/v1/decisions', { ...EXAMPLES.deny, session })).body.decision, 'deny');
      const next = await server.post('/v1/decisions', { ...EXAMPLES.allowInternal, session });
      assert.equal(next.body.decision, 'deny');
      assert.ok(
        next.body.reasons.some((r: { code: string }) => r.code === 'activity.denial_streak'),
        JSON.stringify(next.body),
      );
    } finally {
      await server.close();
    }
  });
});
