/**
 * The SCIM 2.0 principal directory over real HTTP: scim2-tester's Users, Groups and discovery
 * checks, a joiner, a mover and a leaver provisioned by scim2-client while decisions run, the
 * `scim` scope, the audit record of every change, a deactivated user's still-valid token refused,
 * durability across a restart, and replicas sharing PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../support/bundles.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';
import { AUDIENCE, ISSUER, jwks, makeKey, mint } from '../identity/principal-keys.ts';

const EXTENSION = 'urn:ietf:params:scim:schemas:extension:regent:2.0:User';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The pinned scim2-tester / scim2-client venv (scripts/ensure-scim-tools.sh). */
function scimPython(): string {
  const r = spawnSync(path.join(REPO_ROOT, 'scripts/ensure-scim-tools.sh'), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** A read of restricted HR data on someone's behalf: allowed only for a principal cleared for it. */
const readFor = (who: string) => ({
  agent: { id: 'hr-assistant', on_behalf_of: { id: who } },
  action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
});

const tempFile = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), 'regent-scim-')), name);

async function scim(url: string, method: string, p: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/scim+json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${url}/scim/v2${p}`, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const deactivate = { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] };

describe('SCIM 2.0 directory at /scim/v2', () => {
  const scimToken = makeToken('okta-provisioning', ['scim']);
  const decideToken = makeToken('agent-gateway', ['decide']);
  let server: SecureServer;
  before(async () => {
    server = await startSecureRegent({
      tokens: [scimToken, decideToken],
      config: { bundlePath: (await regoBundle()).file, directoryPath: tempFile('directory.json') },
    });
  });
  after(async () => server.close());

  it('passes every scim2-tester check on Users, Groups and discovery', async () => {
    // Asynchronously: the regent under test answers from this process's event loop.
    const child = spawn(scimPython(), [
      path.join(REPO_ROOT, 'tools/scim/check.py'),
      `${server.url}/scim/v2`,
      scimToken.token,
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(status, 0, out);
    assert.match(out, /summary: SUCCESS \d+$/m, out);
  });

  it('serves SCIM only to the scim scope, and the scim scope nothing else', async () => {
    assert.equal((await server.request('GET', '/scim/v2/Users', { token: decideToken.token })).status, 403);
    assert.equal((await server.request('GET', '/scim/v2/Users')).status, 401);
    assert.equal((await server.request('GET', '/scim/v2/Users', { token: scimToken.token })).status, 200);
    const decision = await server.request('POST', '/v1/decisions', { token: scimToken.token, body: readFor('x') });
    assert.equal(decision.status, 403);
  });

  it('writes each change to the audit trail under the provisioning credential', async () => {
    const created = await scim(server.url, 'POST', '/Users', { schemas: [USER], userName: 'audited' }, scimToken.token);
    assert.equal(created.status, 201);
    await scim(server.url, 'PATCH', `/Users/${created.body.id}`, deactivate, scimToken.token);
    const trail = server.regent.audit();
    assert.ok(trail !== null);
    const page = await trail.search({ type: 'admin', limit: 1000 });
    const mine = page.records.filter(
      (r) => r.type === 'admin' && r.target?.id === created.body.id && r.action.startsWith('scim.user.'),
    );
    assert.deepEqual(
      mine.map((r) => (r.type === 'admin' ? [r.action, r.actor.id, r.details['active']] : [])),
      [
        ['scim.user.create', 'okta-provisioning', 'true'],
        ['scim.user.update', 'okta-provisioning', 'false'],
      ],
    );
  });
});

describe('joiner, mover and leaver provisioned by scim2-client while decisions run', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file, directoryPath: tempFile('directory.json') });
  });
  after(async () => server.close());

  it('allows the joiner in hr, denies the mover to engineering, and denies the leaver principal.inactive', async () => {
    // Decisions keep running throughout (for bob, from the file directory, which keeps working):
    // every one is answered, none fails closed.
    let running = true;
    const background = (async () => {
      let n = 0;
      while (running) {
        const r = await server.post('/v1/decisions', {
          ...readFor('bob'),
          agent: { id: 'eng-assistant', on_behalf_of: { id: 'bob' } },
        });
        assert.equal(r.status, 200);
        assert.ok(['allow', 'deny'].includes(r.body.decision), r.text);
        assert.ok(!r.body.reasons.some((x: { code: string }) => x.code.startsWith('directory.')), r.text);
        n++;
      }
      return n;
    })();
    const child = spawn(scimPython(), [path.join(REPO_ROOT, 'tools/scim/lifecycle.py'), `${server.url}/scim/v2`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const seen: Record<string, unknown>[] = [];
    for await (const line of lines) {
      const step = JSON.parse(line) as { step: string };
      const r = await server.post('/v1/decisions', readFor('joiner.jo'));
      seen.push({
        step: step.step,
        decision: r.body.decision,
        codes: r.body.reasons.map((x: { code: string }) => x.code),
      });
      child.stdin.write('\n');
    }
    running = false;
    assert.ok((await background) > 0);
    assert.deepEqual(seen, [
      { step: 'joined', decision: 'allow', codes: [] },
      { step: 'moved', decision: 'deny', codes: ['principal.clearance_exceeded'] },
      { step: 'left', decision: 'deny', codes: ['principal.inactive'] },
    ]);
  });
});

describe('the SCIM directory and the trust rule', () => {
  const key = makeKey('ES256', 'idp-1');
  let server: TestServer;
  let directoryPath: string;
  before(async () => {
    directoryPath = tempFile('directory.json');
    const keysFile = tempFile('jwks.json');
    writeFileSync(keysFile, jwks(await key));
    server = await startRegent({
      bundlePath: (await regoBundle()).file,
      directoryPath,
      principalIssuer: ISSUER,
      principalAudience: AUDIENCE,
      principalJwksFile: keysFile,
    });
  });
  after(async () => server.close());

  const cases: { note: string; user: Record<string, unknown>; decision: string; codes: string[] }[] = [
    {
      note: 'the extension clearance clears a user no group clears',
      user: { userName: 'ext.cleared', [EXTENSION]: { clearance: 'restricted' }, schemas: [USER, EXTENSION] },
      decision: 'allow',
      codes: [],
    },
    {
      note: 'an unknown clearance name is ignored, never ranked above everything',
      user: { userName: 'ext.bogus', [EXTENSION]: { clearance: 'top-secret' }, schemas: [USER, EXTENSION] },
      decision: 'deny',
      codes: ['principal.clearance_exceeded'],
    },
    {
      note: 'a SCIM user wins over the file directory: alice provisioned without clearance is not cleared',
      user: { userName: 'alice', schemas: [USER] },
      decision: 'deny',
      codes: ['principal.clearance_exceeded'],
    },
  ];
  for (const c of cases) {
    it(c.note, async () => {
      assert.equal((await scim(server.url, 'POST', '/Users', c.user)).status, 201);
      const token = await mint(await key, { sub: String(c.user['userName']), groups: [] });
      const r = await server.post('/v1/decisions', readFor(String(c.user['userName'])), {
        'regent-principal-token': token,
      });
      assert.equal(r.body.decision, c.decision, r.text);
      assert.deepEqual(
        r.body.reasons.map((x: { code: string }) => x.code),
        c.codes,
      );
    });
  }

  it('refuses a still-valid token naming a deactivated user, and one naming a deleted user', async () => {
    for (const how of ['deactivate', 'delete'] as const) {
      const name = `leaver.${how}`;
      const created = await scim(server.url, 'POST', '/Users', {
        schemas: [USER, EXTENSION],
        userName: name,
        [EXTENSION]: { clearance: 'restricted' },
      });
      const token = await mint(await key, { sub: name, groups: [] });
      const before = await server.post('/v1/decisions', readFor(name), { 'regent-principal-token': token });
      assert.equal(before.body.decision, 'allow', before.text);
      const change =
        how === 'deactivate'
          ? await scim(server.url, 'PATCH', `/Users/${created.body.id}`, deactivate)
          : await scim(server.url, 'DELETE', `/Users/${created.body.id}`);
      assert.ok(change.status === 200 || change.status === 204);
      const after = await server.post('/v1/decisions', readFor(name), { 'regent-principal-token': token });
      assert.equal(after.body.decision, 'deny');
      assert.deepEqual(
        after.body.reasons.map((x: { code: string }) => x.code),
        ['principal.inactive'],
      );
    }
  });

  it('keeps the directory across a restart', async () => {
    await scim(server.url, 'POST', '/Users', { schemas: [USER], userName: 'survivor' });
    const again = await startRegent({ bundlePath: (await regoBundle()).file, directoryPath });
    try {
      const found = await scim(again.url, 'GET', '/Users?filter=userName%20eq%20%22survivor%22');
      assert.equal(found.body.totalResults, 1);
    } finally {
      await again.close();
    }
  });
});

describe('replicas sharing the directory through PostgreSQL', () => {
  let pg: PostgresServer;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    pg = await startPostgres();
    const bundlePath = (await regoBundle()).file;
    a = await startRegent({ bundlePath, directoryDatabaseUrl: pg.url });
    b = await startRegent({ bundlePath, directoryDatabaseUrl: pg.url });
  });
  after(async () => {
    await a.close();
    await b.close();
    await pg.destroy();
  });

  it("a change on one replica decides the other's next decision, without a restart", async () => {
    const group = await scim(a.url, 'POST', '/Groups', { schemas: [GROUP], displayName: 'hr' });
    const user = await scim(a.url, 'POST', '/Users', { schemas: [USER], userName: 'replicated' });
    await scim(a.url, 'PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
    });
    assert.equal((await b.post('/v1/decisions', readFor('replicated'))).body.decision, 'allow');
    assert.equal((await scim(b.url, 'PATCH', `/Users/${user.body.id}`, deactivate)).status, 200);
    const onA = await a.post('/v1/decisions', readFor('replicated'));
    assert.deepEqual(
      onA.body.reasons.map((x: { code: string }) => x.code),
      ['principal.inactive'],
    );
    // The other replica's SCIM reads see it too.
    assert.equal((await scim(a.url, 'GET', `/Users/${user.body.id}`)).body.active, false);
  });

  it('denies directory.unavailable while PostgreSQL is down, and recovers after', async () => {
    await pg.stop();
    try {
      const r = await a.post('/v1/decisions', readFor('replicated'));
      assert.equal(r.body.decision, 'deny');
      assert.deepEqual(
        r.body.reasons.map((x: { code: string }) => x.code),
        ['directory.unavailable'],
      );
      // A decision naming nobody does not need the directory.
      const plain = await a.post('/v1/decisions', { ...readFor('x'), agent: { id: 'hr-assistant' } });
      assert.notDeepEqual(
        plain.body.reasons.map((x: { code: string }) => x.code),
        ['directory.unavailable'],
      );
    } finally {
      await pg.start();
    }
    let last = '';
    for (let i = 0; i < 300; i++) {
      const r = await a.post('/v1/decisions', readFor('replicated'));
      last = r.text;
      if (r.body.reasons?.[0]?.code === 'principal.inactive') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`no recovery: ${last}`);
  });
});
