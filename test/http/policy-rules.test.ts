/**
 * Company rules through the Policy API, over real HTTP, on a copy of the real rego/ compiled by
 * the real OPA toolchain: a `package regent.rules.<name>` module PUT at run time takes effect on
 * the next decision without any change to the core (`regent/decision`), may only make decisions
 * stricter, denies with `rules.invalid` when its sets have the wrong shape, and a module that
 * does not compile is refused while the previous revision keeps serving.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const RULE_ID = 'regent/rules/acme/acme';

/** A rule that denies reading the handbook, escalates reading anything from gdrive for bob, and allows nothing. */
const ACME = `package regent.rules.acme

import data.regent.request

_req := request.view(input)

deny contains {
	"code": "rules.acme.handbook_locked",
	"message": "The handbook is locked during the audit.",
	"details": {"resource": "handbook.pdf"},
} if _req.resource.id == "handbook.pdf"

escalate contains {"code": "rules.acme.needs_review", "message": "A person reviews reads for bob."} if {
	_req.principal.id == "bob"
}

# Never read by the core: a rule package cannot allow.
allow := true
`;

/** Compiles, but its reason has no code and another's code is not under rules.acme. */
const MISSHAPEN = `package regent.rules.acme

deny contains {"message": "no code"} if input.action.tool == "gdrive.read_file"

deny contains {"code": "flow.audience_not_cleared", "message": "posing as the core"} if input.action.tool == "gdrive.read_file"
`;

async function put(server: TestServer, id: string, text: string) {
  const res = await fetch(`${server.url}/v1/policies/${id}`, {
    method: 'PUT',
    body: text,
    headers: { 'content-type': 'text/plain' },
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function decide(server: TestServer, body: unknown) {
  const res = await server.post('/v1/decisions', body);
  assert.equal(res.status, 200, res.text);
  return {
    decision: res.body.decision as string,
    codes: (res.body.reasons as { code: string }[]).map((r) => r.code),
    reasons: res.body.reasons as { code: string; details?: Record<string, unknown> }[],
    revision: res.body.policy.revision as string,
  };
}

const handbook = EXAMPLES.allowInternal;
const forBob = {
  ...EXAMPLES.allowInternal,
  agent: { id: 'hr-assistant', on_behalf_of: { id: 'bob', groups: [], clearance: 'internal' } },
  action: {
    ...EXAMPLES.allowInternal.action,
    resource: { system: 'gdrive', id: 'notes.txt', classification: 'internal' },
  },
};

describe('company rules under regent.rules, added with PUT /v1/policies', () => {
  let dir: string;
  let server: TestServer;
  let core: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-policy-rules-'));
    await cp(path.join(REPO_ROOT, 'rego'), path.join(dir, 'policies'), { recursive: true });
    server = await startRegent({
      policyDir: path.join(dir, 'policies'),
      policyOverlayDir: path.join(dir, 'overlay'),
      evalWorkers: 1,
    });
    core = (await server.get('/v1/policies/regent/decision')).body.result.raw;
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('allows both example reads before any company rule is added', async () => {
    assert.equal((await decide(server, handbook)).decision, 'allow');
    assert.equal((await decide(server, forBob)).decision, 'allow');
  });

  it('applies a new regent.rules.acme module on the next decision, without touching the core', async () => {
    const served = await decide(server, handbook);
    const res = await put(server, RULE_ID, ACME);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.result.activated, true);

    const denied = await decide(server, handbook);
    assert.notEqual(denied.revision, served.revision);
    assert.deepEqual([denied.decision, denied.codes], ['deny', ['rules.acme.handbook_locked']]);
    assert.deepEqual(denied.reasons[0]?.details, { resource: 'handbook.pdf' });

    const core_after = await server.get('/v1/policies/regent/decision');
    assert.deepEqual([core_after.body.result.origin, core_after.body.result.raw], ['directory', core]);
  });

  it('escalates on a rule escalation (src/approvals), and ignores a rule package saying allow', async () => {
    const d = await decide(server, forBob);
    assert.deepEqual([d.decision, d.codes], ['escalate', ['rules.acme.needs_review']]);
    assert.equal(d.reasons[0]?.details, undefined);
    // The module's `allow := true` did not turn the core's deny into anything else.
    assert.equal((await decide(server, EXAMPLES.deny)).decision, 'deny');
  });

  it('refuses a rule module that does not compile (400) and keeps serving the previous revision', async () => {
    const served = await decide(server, handbook);
    const res = await put(server, RULE_ID, 'package regent.rules.acme\n\ndeny contains ]\n');
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.code, 'invalid_parameter');
    assert.equal(res.body.errors[0].location.file, RULE_ID);
    assert.deepEqual(await decide(server, handbook), served);
    assert.equal((await server.get(`/v1/policies/${RULE_ID}`)).body.result.raw, ACME);
  });

  it('denies with rules.invalid, naming the package, when a rule returns reasons of the wrong shape', async () => {
    assert.equal((await put(server, RULE_ID, MISSHAPEN)).status, 200);
    const d = await decide(server, handbook);
    assert.deepEqual([d.decision, d.codes], ['deny', ['rules.invalid']]);
    assert.equal(d.reasons[0]?.details?.['package'], 'regent.rules.acme');
  });

  it('runs the shipped example rules in the wasm engine (walk, time.now_ns, time.parse_rfc3339_ns)', async () => {
    const bulk = await decide(server, {
      agent: { id: 'sales-assistant' },
      action: { tool: 'salesforce.read_account', kind: 'read', resource: { system: 'salesforce' } },
      payload: { ids: Array.from({ length: 101 }, (_, i) => i) },
    });
    assert.ok(bulk.codes.includes('rules.bulk_export.too_many_records'), JSON.stringify(bulk));
    const keyDelete = (changed: string | undefined) => ({
      agent: { id: 'eng-assistant' },
      action: { tool: 'vault.delete_secret', kind: 'delete', resource: { system: 'vault', id: 'db-password' } },
      context: changed === undefined ? {} : { key: { rotated_at: changed } },
    });
    const young = await decide(server, keyDelete(new Date(Date.now() - 86_400_000).toISOString()));
    assert.ok(young.codes.includes('rules.key_deletion.within_grace_period'), JSON.stringify(young));
    const old = await decide(server, keyDelete('2020-01-01T00:00:00Z'));
    assert.ok(!old.codes.some((c) => c.startsWith('rules.')), JSON.stringify(old));
    const unknown = await decide(server, keyDelete(undefined));
    // The rule escalates (no readable key age), but the core denies the tool: deny wins, and an
    // escalation a deny overrides is not listed (rego/regent/decision_test.rego covers the order).
    assert.deepEqual([unknown.decision, unknown.codes], ['deny', ['tool.unknown']]);
  });

  it('goes back to the core alone once the rule is deleted', async () => {
    const res = await fetch(`${server.url}/v1/policies/${RULE_ID}`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal((await decide(server, handbook)).decision, 'allow');
  });
});
