/**
 * One revision per decision: 100 policy swaps during steady load over real HTTP cause no failed
 * request, and every answer names exactly one revision that was active at some moment between
 * the request being sent and its answer arriving, with that revision's decision. The swaps
 * alternate two variants built by the real OPA toolchain that decide the same input differently
 * (allow / deny), each activation under a fresh revision name, so an answer mixing revisions,
 * or naming one that was not serving at the time, is caught.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { Bundle } from '../../src/policy/bundle/read-bundle.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { buildVariant, type Verdict } from '../support/lifecycle-variants.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const SWAPS = 100;
const CLIENTS = 3;

interface Answer {
  sent: number;
  received: number;
  status: number;
  revision: string | undefined;
  decision: string | undefined;
  via: 'decisions' | 'data';
}

describe('one revision per decision under policy swaps', () => {
  let work: string;
  let server: TestServer;
  let variants: Record<Verdict, Bundle>;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'regent-swaps-'));
    const allow = await buildVariant('allow', work);
    const deny = await buildVariant('deny', work);
    variants = { allow: allow.bundle, deny: deny.bundle };
    // Each swap starts a worker for the new revision while the load runs, on two shared cores:
    // a generous deadline keeps this test about revisions, not about overload (which
    // test/http/bounded-evaluation.test.ts covers).
    server = await startRegent({
      bundlePath: allow.file,
      evalWorkers: 1,
      evaluationTimeoutMs: 10_000,
      decisionLog: false,
    });
  });
  after(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers every request during 100 swaps with one revision that was serving during that request', async () => {
    const policies = server.regent.policies;
    const expected = new Map<string, Verdict>([['base-allow', 'allow']]);
    const activations: { revision: string; at: number }[] = [{ revision: 'base-allow', at: 0 }];
    policies.onActivate((p) => activations.push({ revision: p.revision, at: performance.now() }));

    const answers: Answer[] = [];
    let swapping = true;
    const client = async (n: number) => {
      while (swapping) {
        const via = n % 3 === 0 ? 'data' : 'decisions';
        const sent = performance.now();
        const res =
          via === 'decisions'
            ? await server.post('/v1/decisions', EXAMPLES.allow)
            : await server.post('/v1/data/regent/decision?provenance', { input: EXAMPLES.allow });
        const received = performance.now();
        const revision: string | undefined =
          via === 'decisions' ? res.body?.policy?.revision : res.body?.provenance?.bundles?.regent?.revision;
        const decision: string | undefined = via === 'decisions' ? res.body?.decision : res.body?.result?.decision;
        answers.push({ sent, received, status: res.status, revision, decision, via });
      }
    };
    const load = Array.from({ length: CLIENTS }, (_, n) => client(n));

    for (let i = 1; i <= SWAPS; i++) {
      const verdict: Verdict = i % 2 === 0 ? 'allow' : 'deny';
      const revision = `swap-${String(i).padStart(3, '0')}-${verdict}`;
      expected.set(revision, verdict);
      const base = variants[verdict];
      await policies.activate({ ...base, manifest: { ...base.manifest, revision } }, 'swap-test');
    }
    // Let requests sent under the last revision finish, then stop the load.
    await new Promise((r) => setTimeout(r, 100));
    swapping = false;
    await Promise.all(load);

    assert.equal(activations.length, SWAPS + 1);
    const window = (revision: string): [number, number] => {
      const i = activations.findIndex((a) => a.revision === revision);
      const next = activations[i + 1];
      return [(activations[i] as { at: number }).at, next === undefined ? Infinity : next.at];
    };
    const problems: string[] = [];
    for (const a of answers) {
      if (a.status !== 200) problems.push(`${a.via}: status ${a.status}`);
      else if (a.revision === undefined || !expected.has(a.revision))
        problems.push(`${a.via}: unknown revision ${String(a.revision)}`);
      else {
        if (a.decision !== expected.get(a.revision))
          problems.push(`${a.via}: ${a.revision} answered ${String(a.decision)}`);
        const [from, to] = window(a.revision);
        if (!(from <= a.received && to >= a.sent))
          problems.push(`${a.via}: ${a.revision} was not serving between send and answer`);
      }
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} of ${answers.length} answers are wrong`);
    const seen = new Set(answers.map((a) => a.revision));
    assert.ok(answers.length >= 300, `only ${answers.length} requests ran during the swaps`);
    assert.ok(seen.size >= SWAPS / 4, `answers named only ${seen.size} revisions: the load did not overlap the swaps`);
    assert.ok(answers.some((a) => a.via === 'data') && answers.some((a) => a.via === 'decisions'));
  });
});
