/**
 * The Data API's `strict-builtin-errors` query parameter (OPA's name): by default a failing
 * builtin makes only its expression undefined, so another rule body can still decide (issue 17:
 * semver.compare on "latest" denied an admin); with the parameter the query fails, as OPA's
 * does. Checked against `opa eval` with and without --strict-builtin-errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { buildTestBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const FIXTURE = 'test/fixtures/policies/strict-builtin';
const INPUT = { client_version: 'latest', user: { admin: true } };

/** `opa eval` of data.strictbuiltin.allow on INPUT: its value, or that it failed. */
function opaEval(strict: boolean): Promise<{ value?: unknown; failed: boolean }> {
  const args = ['eval', '-f', 'json', '-d', path.join(REPO_ROOT, FIXTURE), '--stdin-input', 'data.strictbuiltin.allow'];
  if (strict) args.push('--strict-builtin-errors');
  return new Promise((resolve) => {
    const child = execFile(opaBinary(), args, { encoding: 'utf8' }, (err, stdout) => {
      const out = JSON.parse(stdout) as { result?: { expressions: { value: unknown }[] }[]; errors?: unknown[] };
      if (err !== null || out.errors !== undefined) resolve({ failed: true });
      else resolve({ value: out.result?.[0]?.expressions[0]?.value, failed: false });
    });
    child.stdin?.end(JSON.stringify(INPUT));
  });
}

describe('POST /v1/data with strict-builtin-errors', () => {
  let server: TestServer;
  before(async () => {
    const bundle = await buildTestBundle(FIXTURE);
    server = await startRegent({ bundlePath: bundle.file });
  });
  after(async () => {
    await server.close();
  });

  const cases = [
    { note: 'absent: the failing body is undefined, the other decides', query: '', strict: false },
    { note: 'false: as absent', query: '?strict-builtin-errors=false', strict: false },
    { note: 'true: the query fails', query: '?strict-builtin-errors=true', strict: true },
    { note: 'present without a value: true', query: '?strict-builtin-errors', strict: true },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      const oracle = await opaEval(c.strict);
      assert.equal(oracle.failed, c.strict, 'opa eval must fail exactly in strict mode');
      for (const method of ['POST', 'GET'] as const) {
        const res =
          method === 'POST'
            ? await server.post(`/v1/data/strictbuiltin/allow${c.query}`, { input: INPUT })
            : await server.get(
                `/v1/data/strictbuiltin/allow${c.query === '' ? '?' : `${c.query}&`}input=${encodeURIComponent(JSON.stringify(INPUT))}`,
              );
        if (oracle.failed) {
          assert.equal(res.status, 500, `${method}: ${res.text}`);
          assert.equal(res.body.code, 'evaluation_error');
          assert.equal(res.body.errors[0].code, 'policy.builtin_error');
        } else {
          assert.equal(res.status, 200, `${method}: ${res.text}`);
          assert.deepEqual(res.body.result, oracle.value);
        }
      }
    });
  }
});
