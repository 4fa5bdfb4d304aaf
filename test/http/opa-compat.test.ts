/**
 * OPA compatibility: OPA's own TypeScript SDK (@open-policy-agent/opa) pointed at regent and at
 * the pinned `opa run --server` gets identical answers for the same inputs. Both serve the same
 * Rego: regent compiles the directory to wasm (policy-directory mode), opa serves it as a rego
 * bundle. The table covers allow, deny, redact, an undefined document, no input, and the
 * default decision.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OPAClient } from '@open-policy-agent/opa';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { buildRegoBundle, startOpa, type OpaServer } from '../support/opa-server.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

interface Case {
  note: string;
  path: string;
  /** Absent: evaluated with no input (GET). */
  input?: Record<string, unknown>;
  /** What both must answer, where the outcome is known: a decision, or undefined. */
  expect?: 'allow' | 'deny' | 'redact' | 'undefined';
}

const CONTRACT = 'denies an input that breaks the contract';

const CASES: Case[] = [
  {
    note: 'allows a cleared HR user to read restricted compensation data',
    path: 'regent/decision',
    input: EXAMPLES.allow,
    expect: 'allow',
  },
  { note: 'allows an internal read', path: 'regent/decision', input: EXAMPLES.allowInternal, expect: 'allow' },
  {
    note: 'denies restricted HR data to an all-employees channel',
    path: 'regent/decision',
    input: EXAMPLES.deny,
    expect: 'deny',
  },
  {
    note: 'redacts labelled fields the audience is not cleared for',
    path: 'regent/decision',
    input: EXAMPLES.redact,
    expect: 'redact',
  },
  { note: 'denies an input that breaks the contract', path: 'regent/decision', input: { agent: 7 }, expect: 'deny' },
  { note: 'denies by default with no input at all', path: 'regent/decision', expect: 'deny' },
  {
    note: 'leaves an undefined document undefined',
    path: 'dataapi/maybe',
    input: { flag: false },
    expect: 'undefined',
  },
  { note: 'returns a defined document', path: 'dataapi/maybe', input: { flag: true } },
  { note: 'echoes an input', path: 'dataapi/echo', input: { nested: { list: [1, 'two', null, true] } } },
  { note: 'sees no input on GET', path: 'dataapi/echo' },
];

describe('OPA compatibility: the same SDK calls against regent and opa', () => {
  let dir: string;
  let regent: TestServer;
  let opa: OpaServer;
  let viaRegent: OPAClient;
  let viaOpa: OPAClient;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-compat-'));
    const policies = path.join(dir, 'policies');
    await cp(path.join(REPO_ROOT, 'rego'), policies, { recursive: true });
    await cp(path.join(REPO_ROOT, 'test/fixtures/policies/data-api'), policies, { recursive: true });
    const [r, o] = await Promise.all([
      startRegent({
        policyDir: policies,
        policyOverlayDir: path.join(dir, 'overlay'),
        watchPolicies: false,
        evalWorkers: 1,
      }),
      buildRegoBundle(policies, 'compat').then(startOpa),
    ]);
    regent = r;
    opa = o;
    assert.ok(regent.regent.policies.current() !== undefined, 'regent compiled the policy directory');
    viaRegent = new OPAClient(regent.url);
    viaOpa = new OPAClient(opa.url);
  });
  after(async () => {
    await Promise.all([regent.close(), opa.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES.filter((k) => k.path === 'regent/decision' && k.input !== undefined && k.note !== CONTRACT)) {
    // One decision path: the decision entrypoint over the SDK answers as POST /v1/decisions does
    // (trust rule, session, detectors, activity, audit), so it is compared with that, not with a
    // bare `opa run`, which has none of them.
    it(`${c.note} (decision entrypoint: the same answer as POST /v1/decisions)`, async () => {
      const ours = await viaRegent.evaluate<Record<string, unknown>, Record<string, unknown>>(c.path, c.input);
      const direct = await regent.post('/v1/decisions', c.input);
      const { decision_id: _id, policy: _policy, ...want } = direct.body as Record<string, unknown>;
      assert.deepEqual(ours, want);
      assert.equal(ours['decision'], c.expect, JSON.stringify(ours));
    });
  }

  it('refuses a decision input that breaks the contract, or none, as POST /v1/decisions does', async () => {
    for (const input of [{ agent: 7 }, undefined]) {
      const res = await regent.post('/v1/data/regent/decision', input === undefined ? {} : { input });
      assert.equal(res.status, 400, res.text);
    }
  });

  for (const c of CASES.filter((k) => k.path !== 'regent/decision')) {
    it(c.note, async () => {
      const [ours, theirs] = await Promise.all([viaRegent.evaluate(c.path, c.input), viaOpa.evaluate(c.path, c.input)]);
      assert.deepEqual(ours, theirs);
      if (c.expect === 'undefined') assert.equal(ours, undefined);
      else if (c.expect !== undefined)
        assert.equal((ours as { decision: string }).decision, c.expect, JSON.stringify(ours));
    });
  }

  it('answers the default decision (POST /) the same', async () => {
    const input = { who: 'sdk', n: 3 };
    const [ours, theirs] = await Promise.all([viaRegent.evaluateDefault(input), viaOpa.evaluateDefault(input)]);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours, { hello: input });
  });
});
