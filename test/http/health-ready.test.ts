/**
 * GET /health/ready follows the active policy's evaluator (issue 17): a replica whose
 * evaluations keep aborting inside the wasm answers 503 with the reason, so a load balancer takes
 * it out of rotation, and is ready again once an evaluation completes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_UNREADY_AFTER_ABORTS } from '../../src/policy/evaluator/evaluator.ts';
import { faultBundle } from '../support/bundles.ts';
import { startRegent } from '../support/regent-server.ts';

const request = {
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send' },
  payload: { text: 'hello' },
};

describe('GET /health/ready', () => {
  it('answers 503 with the reason after a run of aborted evaluations', async () => {
    const bundle = await faultBundle('aborts');
    const server = await startRegent({ bundlePath: bundle.file, wasmMaxMemoryPages: 256 });
    try {
      const before = await server.get('/health/ready');
      assert.equal(before.status, 200);
      assert.equal(before.body.status, 'ready');
      for (let i = 0; i < DEFAULT_UNREADY_AFTER_ABORTS; i++) {
        const res = await server.post('/v1/decisions', request);
        assert.equal(res.body.decision, 'deny');
      }
      const after = await server.get('/health/ready');
      assert.equal(after.status, 503);
      assert.equal(after.body.status, 'not_ready');
      assert.equal(after.body.revision, bundle.revision);
      assert.match(
        after.body.reason,
        new RegExp(`the last ${DEFAULT_UNREADY_AFTER_ABORTS} policy evaluations aborted`),
      );
    } finally {
      await server.close();
    }
  });
});
