/**
 * Fail closed: whatever goes wrong inside policy evaluation, the answer is a deny with a reason
 * code (or a 503 while no revision is loaded), never an allow. Each case uses a real bundle
 * built from a fault-fixture policy by the real OPA toolchain.
 */
import assert from 'node:assert/strict';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { faultBundle, regoBundle } from '../support/bundles.ts';
import { startRegent } from '../support/regent-server.ts';

const request = {
  agent: { id: 'hr-assistant' },
  action: { tool: 'slack.post_message', kind: 'send' },
  payload: { text: 'hello' },
};

describe('fail closed on policy faults', () => {
  const cases = [
    { note: 'a policy that aborts at evaluation time', fixture: 'aborts', code: 'policy.evaluation_error' },
    { note: 'a decision that is undefined for the input', fixture: 'undefined', code: 'policy.undefined_result' },
    { note: 'a decision of the wrong shape', fixture: 'wrong-shape', code: 'policy.invalid_result' },
    { note: 'a decision that allows while naming redactions', fixture: 'inconsistent', code: 'policy.invalid_result' },
    {
      note: 'a policy that exhausts the WebAssembly memory ceiling',
      fixture: 'memory-hog',
      code: 'policy.memory_exceeded',
    },
    // OPA's default: a failing builtin makes its expression undefined, so the decision is undefined.
    { note: 'a host builtin that throws', fixture: 'builtin-error', code: 'policy.undefined_result' },
    {
      note: 'a host builtin that throws, in strict mode',
      fixture: 'builtin-error',
      code: 'policy.builtin_error',
      strict: true,
    },
  ];
  for (const c of cases) {
    it(`denies with ${c.code} for ${c.note}`, async () => {
      const bundle = await faultBundle(c.fixture);
      const server = await startRegent({
        bundlePath: bundle.file,
        wasmMaxMemoryPages: 256,
        strictBuiltinErrors: 'strict' in c && c.strict,
      });
      try {
        for (let i = 0; i < 3; i++) {
          const res = await server.post('/v1/decisions', request);
          assert.equal(res.status, 200);
          assert.equal(res.body.decision, 'deny');
          assert.deepEqual(
            res.body.reasons.map((r: { code: string }) => r.code),
            [c.code],
          );
          assert.equal(res.body.policy.revision, bundle.revision);
          assert.equal(res.body.payload, undefined);
        }
        const metrics = (await server.get('/metrics')).text;
        assert.match(metrics, new RegExp(`regent_fail_closed_total\\{code="${c.code.replace('.', '\\.')}"\\} 3`));
        assert.match(metrics, /regent_decisions_total\{decision="allow"\} 0/);
        const failures = server.records().filter((r) => r['message'] === 'decision failed closed');
        assert.equal(failures.length, 3);
      } finally {
        await server.close();
      }
    });
  }
});

describe('fail closed on bundle faults', () => {
  it('stays not ready and answers 503 with a deny when the bundle file is missing', async () => {
    const server = await startRegent({ bundlePath: '/nonexistent/regent.tar.gz' });
    try {
      assert.equal((await server.get('/health/ready')).status, 503);
      assert.equal((await server.get('/health')).status, 500);
      assert.equal((await server.get('/health/live')).status, 200);
      const res = await server.post('/v1/decisions', request);
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'not_ready');
      assert.equal(res.body.decision, 'deny');
      assert.match((await server.get('/metrics')).text, /regent_bundle_loads_total\{result="failure"\} 1/);
    } finally {
      await server.close();
    }
  });

  it('stays not ready when the bundle is corrupt', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-corrupt-'));
    const file = path.join(dir, 'bundle.tar.gz');
    const good = await regoBundle();
    const corrupt = Buffer.from(good.bytes);
    corrupt.fill(0x41, 20, 400);
    await writeFile(file, corrupt);
    const server = await startRegent({ bundlePath: file });
    try {
      assert.equal((await server.get('/health/ready')).status, 503);
      assert.equal((await server.post('/v1/decisions', request)).status, 503);
    } finally {
      await server.close();
    }
  });

  it('keeps serving the previous revision when a corrupt bundle is loaded over it', async () => {
    const good = await regoBundle();
    const server = await startRegent({ bundlePath: good.file });
    try {
      await assert.rejects(server.regent.policies.loadBytes(Buffer.from('not a bundle'), 'test'));
      await assert.rejects(server.regent.policies.loadBytes(Buffer.alloc(0), 'test'));
      assert.equal(server.regent.policies.current()?.revision, good.revision);
      const res = await server.post('/v1/decisions', request);
      assert.equal(res.status, 200);
      assert.equal(res.body.policy.revision, good.revision);
      assert.match((await server.get('/metrics')).text, /regent_bundle_loads_total\{result="failure"\} 2/);
    } finally {
      await server.close();
    }
  });
});
