/**
 * The Policy API and hot reload over real HTTP, with the real OPA toolchain compiling a policy
 * directory (test/fixtures/policies/lifecycle, copied to a temporary folder): a valid PUT changes
 * decisions at once, a module that does not compile is refused with OPA's located errors while
 * the previous revision keeps serving, ids never escape the overlay, compiles run one at a time,
 * and edits on disk are picked up by the watcher with the same guarantees.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { rawRequest } from '../support/raw-http.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const SWITCH_ID = 'regent/switch/switch';
const switchModule = (verdict: string) => `package regent.switch\n\nverdict := "${verdict}"\n`;

async function put(server: TestServer, id: string, text: string | Uint8Array) {
  const res = await fetch(`${server.url}/v1/policies/${id}`, {
    method: 'PUT',
    body: text,
    headers: { 'content-type': 'text/plain' },
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function del(server: TestServer, id: string) {
  const res = await fetch(`${server.url}/v1/policies/${id}`, { method: 'DELETE' });
  return { status: res.status, body: (await res.json()) as any };
}

async function decision(server: TestServer): Promise<{ decision: string; revision: string }> {
  const res = await server.post('/v1/decisions', EXAMPLES.allow);
  assert.equal(res.status, 200, res.text);
  return { decision: res.body.decision, revision: res.body.policy.revision };
}

/** Polls until `check` holds; `ms` only bounds a hang, generously (a compile on a loaded machine takes seconds). */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Policy API on a policy directory', () => {
  let dir: string;
  let policyDir: string;
  let overlayDir: string;
  let server: TestServer;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-policy-api-'));
    policyDir = path.join(dir, 'policies');
    overlayDir = path.join(dir, 'state', 'overlay');
    await cp(path.join(REPO_ROOT, 'test/fixtures/policies/lifecycle'), policyDir, { recursive: true });
    server = await startRegent({ policyDir, policyOverlayDir: overlayDir, watchPolicies: true, evalWorkers: 1 });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('compiles the directory at start and serves it', async () => {
    assert.equal((await decision(server)).decision, 'allow');
    const ready = await server.get('/health/ready');
    assert.equal(ready.status, 200);
  });

  it('lists the directory modules with their Rego text', async () => {
    const res = await server.get('/v1/policies');
    assert.equal(res.status, 200);
    const ids = res.body.result.map((m: { id: string }) => m.id);
    assert.deepEqual(ids, ['regent/decision', SWITCH_ID]);
    const sw = res.body.result.find((m: { id: string }) => m.id === SWITCH_ID);
    assert.equal(sw.origin, 'directory');
    assert.match(sw.raw, /verdict := "allow"/);
  });

  it('changes decisions as soon as a valid PUT answers, with the new revision', async () => {
    const before = await decision(server);
    const started = Date.now();
    const res = await put(server, SWITCH_ID, switchModule('deny'));
    const after = await decision(server);
    const elapsed = Date.now() - started;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.activated, true);
    assert.notEqual(res.body.result.revision, before.revision);
    assert.deepEqual(after, { decision: 'deny', revision: res.body.result.revision });
    // The PUT compiles with opa: generous, so a loaded machine cannot break it.
    assert.ok(elapsed < 15_000, `PUT to changed decision took ${elapsed} ms`);
    const got = await server.get(`/v1/policies/${SWITCH_ID}`);
    assert.deepEqual(got.body.result, { id: SWITCH_ID, raw: switchModule('deny'), origin: 'overlay' });
  });

  const BROKEN: { note: string; text: string; code: RegExp; row: number }[] = [
    { note: 'a parse error', text: 'package regent.switch\n\nverdict := ]\n', code: /rego_parse_error/, row: 3 },
    { note: 'a type error', text: 'package regent.switch\n\nverdict := count(1)\n', code: /rego_type_error/, row: 3 },
    {
      note: 'an unsafe variable',
      text: 'package regent.switch\n\nverdict := x if {\n\ty := 1\n}\n',
      code: /rego_(unsafe_var|compile)_error/,
      row: 3,
    },
    {
      note: 'a builtin the runtime cannot run (capabilities)',
      text: 'package regent.switch\n\nverdict := "allow" if {\n\thttp.send({"method": "get", "url": "http://127.0.0.1/"})\n}\n',
      code: /rego_(type|compile)_error/,
      row: 4,
    },
  ];
  for (const b of BROKEN) {
    it(`refuses ${b.note} with OPA's located errors and keeps serving the previous revision`, async () => {
      const served = await decision(server);
      const res = await put(server, SWITCH_ID, b.text);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 'invalid_parameter');
      assert.equal(res.body.message, 'error(s) occurred while compiling module(s)');
      const first = res.body.errors[0];
      assert.match(first.code, b.code, JSON.stringify(res.body));
      assert.deepEqual({ file: first.location.file, row: first.location.row }, { file: SWITCH_ID, row: b.row });
      assert.equal(typeof first.location.col, 'number');
      assert.ok(!JSON.stringify(res.body).includes(tmpdir()), 'errors must not name the staging folder');
      assert.deepEqual(await decision(server), served);
      assert.equal((await server.get(`/v1/policies/${SWITCH_ID}`)).body.result.raw, switchModule('deny'));
    });
  }

  const BAD_IDS: { note: string; path: string }[] = [
    { note: 'a dot-dot segment', path: '/v1/policies/../escape' },
    { note: 'a dot-dot inside the id', path: '/v1/policies/a/../../escape' },
    { note: 'an encoded dot-dot', path: '/v1/policies/%2e%2e/escape' },
    { note: 'an encoded slash', path: '/v1/policies/a%2F..%2F..%2Fescape' },
    { note: 'an encoded backslash', path: '/v1/policies/..%5Cescape' },
    { note: 'an empty segment', path: '/v1/policies/a//b' },
    { note: 'an absolute path', path: '/v1/policies//etc/passwd' },
    { note: 'a hidden name', path: '/v1/policies/.hidden' },
    { note: 'a file extension', path: '/v1/policies/a.rego' },
    { note: 'a test module (never compiled)', path: '/v1/policies/a_test' },
    { note: 'malformed percent-encoding', path: '/v1/policies/%zz' },
    { note: 'too many segments', path: `/v1/policies/${'a/'.repeat(9)}a` },
    { note: 'an over-long segment', path: `/v1/policies/${'a'.repeat(65)}` },
  ];
  for (const b of BAD_IDS) {
    it(`refuses an id with ${b.note} before touching the filesystem`, async () => {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const res = await rawRequest(server.url, method, b.path, method === 'PUT' ? switchModule('allow') : undefined, {
          'content-type': 'text/plain',
        });
        assert.equal(res.status, 400, `${method} ${b.path}: ${res.text}`);
        assert.equal(res.body.code, 'invalid_parameter');
      }
      assert.deepEqual((await readdir(dir)).sort(), ['policies', 'state']);
      assert.deepEqual(await readdir(path.join(dir, 'state')), ['overlay']);
    });
  }

  it('refuses a module over the size bound with 413 and one that is not UTF-8 with 400', async () => {
    const big = await put(server, 'big', 'package big\n' + '#'.repeat(server.regent.config.maxPolicyBytes));
    assert.equal(big.status, 413);
    const binary = await put(server, 'binary', new Uint8Array([0x70, 0xff, 0xfe, 0x00]));
    assert.equal(binary.status, 400);
    assert.equal(binary.body.code, 'invalid_parameter');
  });

  it('serialises compiles: concurrent PUTs all land, and the last revision holds every module', async () => {
    const ids = ['extra/one', 'extra/two', 'extra/three'];
    const results = await Promise.all(ids.map((id, i) => put(server, id, `package extra.m${i}\n\nv := ${i}\n`)));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const listed = (await server.get('/v1/policies')).body.result.map((m: { id: string }) => m.id);
    for (const id of ids) assert.ok(listed.includes(id), id);
    // Re-sending one module changes nothing: the serving revision already holds all three.
    const again = await put(server, 'extra/two', 'package extra.m1\n\nv := 1\n');
    assert.equal(again.body.result.activated, false, JSON.stringify(again.body));
    assert.equal(again.body.result.revision, (await decision(server)).revision);
    for (const id of ids) assert.equal((await del(server, id)).status, 200);
  });

  it('deletes an overlay module, bringing the directory module back', async () => {
    const res = await del(server, SWITCH_ID);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await decision(server)).decision, 'allow');
    assert.equal((await server.get(`/v1/policies/${SWITCH_ID}`)).body.result.origin, 'directory');
  });

  it('refuses to delete a directory module (400) and an unknown one (404)', async () => {
    const owned = await del(server, SWITCH_ID);
    assert.equal(owned.status, 400);
    assert.equal(owned.body.code, 'invalid_parameter');
    const unknown = await del(server, 'no/such/module');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'resource_not_found');
    assert.equal((await server.get('/v1/policies/no/such/module')).status, 404);
  });

  it('refuses a delete that would break the build, keeping the module', async () => {
    assert.equal((await put(server, 'dep/base', 'package dep.base\n\ndouble(n) := n * 2\n')).status, 200);
    assert.equal((await put(server, 'dep/user', 'package dep.user\n\ny := data.dep.base.double(2)\n')).status, 200);
    const refused = await del(server, 'dep/base');
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.errors[0].location.file, 'dep/user');
    assert.equal((await server.get('/v1/policies/dep/base')).status, 200);
    assert.equal((await del(server, 'dep/user')).status, 200);
    assert.equal((await del(server, 'dep/base')).status, 200);
  });

  it('records policy changes in the audit trail, naming the action and the module', async () => {
    const trail = await readFile(server.regent.config.auditPath, 'utf8');
    assert.match(trail, /"action":"policy\.put"/);
    assert.match(trail, /"action":"policy\.delete"/);
    assert.ok(trail.includes(`"id":"${SWITCH_ID}"`));
  });

  it('rebuilds when a file in the directory changes, and keeps serving when the change does not compile', async () => {
    const file = path.join(policyDir, 'regent/switch/switch.rego');
    await writeFile(file, switchModule('deny'));
    await eventually(async () => (await decision(server)).decision === 'deny', 30_000, 'watcher picks up a valid edit');
    const served = await decision(server);

    await writeFile(file, 'package regent.switch\n\nverdict := ]\n');
    await eventually(
      async () => (await server.get('/v1/status')).body.result.bundles.regent.last_load_attempt.ok === false,
      30_000,
      'watcher records the failed build',
    );
    const status = (await server.get('/v1/status')).body.result;
    assert.match(status.bundles.regent.last_load_attempt.error, /regent\/switch\/switch:3:\d+: rego_parse_error/);
    assert.equal(status.bundles.regent.active_revision, served.revision);
    assert.equal(status.policy_library.last_compile.ok, false);
    assert.deepEqual(await decision(server), served);
    const ready = await server.get('/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual([ready.body.revision, ready.body.last_load_ok], [served.revision, false]);

    await writeFile(file, switchModule('allow'));
    await eventually(async () => (await decision(server)).decision === 'allow', 30_000, 'watcher picks up the fix');
  });

  it('reports the policy directory, the active revision and the last attempt in /v1/status', async () => {
    // An editor's write can raise more than one burst of events; let the watcher's rebuilds finish.
    await eventually(
      async () => (await server.get('/v1/status')).body.result.policy_library.compiles_pending === 0,
      30_000,
      'no compile pending',
    );
    const res = await server.get('/v1/status');
    assert.equal(res.status, 200);
    const s = res.body.result;
    assert.equal(s.mode, 'policy_dir');
    assert.equal(s.revision, (await decision(server)).revision);
    assert.equal(s.bundles.regent.active_revision, s.revision);
    assert.deepEqual(s.bundles.regent.entrypoints, ['regent/decision']);
    assert.equal(s.bundles.regent.last_load_attempt.ok, true, JSON.stringify(s));
    assert.equal(s.policy_library.watching, true);
    assert.equal(s.shadow.enabled, false);
  });
});

describe('a policy directory that does not compile at start', () => {
  it('keeps regent not ready, says why in /v1/status, and becomes ready once the directory is fixed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-policy-broken-'));
    const policyDir = path.join(dir, 'policies');
    await cp(path.join(REPO_ROOT, 'test/fixtures/policies/lifecycle'), policyDir, { recursive: true });
    const file = path.join(policyDir, 'regent/switch/switch.rego');
    await writeFile(file, 'package regent.switch\n\nverdict := ]\n');
    const server = await startRegent({ policyDir, policyOverlayDir: path.join(dir, 'overlay'), evalWorkers: 0 });
    try {
      assert.equal((await server.get('/health/ready')).status, 503);
      const health = await server.get('/health?bundles');
      assert.deepEqual([health.status, health.body], [500, { error: 'not all bundles have been activated' }]);
      assert.equal((await server.post('/v1/decisions', EXAMPLES.allow)).status, 503);
      const status = (await server.get('/v1/status')).body.result;
      assert.equal(status.revision, null);
      assert.equal(status.bundles.regent.last_load_attempt.ok, false);
      assert.match(status.bundles.regent.last_load_attempt.error, /regent\/switch\/switch:3:\d+: rego_parse_error/);

      await writeFile(file, switchModule('allow'));
      await eventually(async () => (await server.get('/health/ready')).status === 200, 30_000, 'ready after the fix');
      assert.deepEqual(
        [(await server.get('/health?bundles')).status, (await decision(server)).decision],
        [200, 'allow'],
      );
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Policy API when regent serves a bundle file', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file, evalWorkers: 0 });
  });
  after(async () => server.close());

  it('lists no modules and refuses changes: every path is owned by the bundle, as in OPA', async () => {
    assert.deepEqual((await server.get('/v1/policies')).body, { result: [] });
    const res = await put(server, 'x', 'package x\n');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'invalid_parameter');
    assert.match(res.body.message, /owned by the bundle/);
    assert.equal((await del(server, 'x')).status, 400);
    assert.equal((await server.get('/v1/status')).body.result.mode, 'bundle');
  });
});
