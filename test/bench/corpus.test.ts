/**
 * `make bench` times regent and OPA on the corpus only if both answer it as it says, for the whole
 * run. These checks hold it to that without the load: the committed inputs are what regent's code
 * builds today; a real regent on the benchmark's policy (bench/lib/policy.ts) answers every entry
 * as the corpus says, round after round, so its activity windows fill as under load; and the
 * pinned OPA answers the derived inputs the same. When the policy, the trust rule or the catalogue
 * changes, regenerate the corpus (node bench/corpus/generate.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCorpus, type CorpusEntry } from '../../bench/corpus/corpus.ts';
import { opaOutcomes } from '../../bench/corpus/opa-outcomes.ts';
import { policyInputs } from '../../bench/corpus/policy-input.ts';
import { buildBenchPolicy, type BenchPolicy } from '../../bench/lib/policy.ts';
import { opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { shippedBundleWith } from '../support/bundles.ts';

const outcome = (decision: string, codes: readonly string[]) => `${decision} [${[...codes].sort().join(', ')}]`;
const expected = (e: CorpusEntry) => outcome(e.expected, e.reason_codes);

/** regent's answers to one round of the corpus, in order. */
async function round(server: TestServer, corpus: readonly CorpusEntry[]): Promise<string[]> {
  const answers: string[] = [];
  for (const e of corpus) {
    const res = await server.post('/v1/decisions', e.request);
    assert.equal(res.status, 200, res.text);
    answers.push(
      outcome(
        res.body.decision,
        (res.body.reasons as { code: string }[]).map((r) => r.code),
      ),
    );
  }
  return answers;
}

describe('the benchmark corpus', () => {
  const corpus = readCorpus();
  let dir: string;
  let policy: BenchPolicy;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-bench-corpus-'));
    policy = await buildBenchPolicy(path.join(dir, 'policy'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('holds the inputs regent builds today, and all three outcomes', () => {
    assert.deepEqual(
      corpus.map((e) => e.input),
      policyInputs(corpus.map((e) => e.request)),
      'bench/corpus/corpus.json is stale: run node bench/corpus/generate.ts',
    );
    assert.deepEqual(new Set(corpus.map((e) => e.expected)), new Set(['allow', 'deny', 'redact']));
  });

  it('is answered as it says by regent on the benchmark policy, round after round', async () => {
    const server = await startRegent({ bundlePath: policy.wasmBundle });
    try {
      for (let r = 1; r <= 4; r++) assert.deepEqual(await round(server, corpus), corpus.map(expected), `round ${r}`);
    } finally {
      await server.close();
    }
  });

  it('would not be with the shipped activity limits: the looped corpus turns into a denial streak', async () => {
    // What the lifted limits are for: the same rounds on the shipped policy stop matching.
    const shipped = await shippedBundleWith(path.join(dir, 'shipped'), () => {});
    const server = await startRegent({ bundlePath: shipped });
    try {
      // hr-assistant is denied four times a round: its tenth denial comes in the third.
      const answers: string[] = [];
      for (let r = 1; r <= 4; r++) answers.push(...(await round(server, corpus)));
      assert.ok(
        answers.some((a) => a.includes('activity.denial_streak')),
        answers.join('\n'),
      );
    } finally {
      await server.close();
    }
  });

  it('is answered as it says by the pinned OPA on the same source', () => {
    const x = opaOutcomes(
      opaBinary(),
      policy.source,
      corpus.map((e) => e.input),
    );
    assert.deepEqual(
      x.map(([d, codes]) => outcome(d, codes)),
      corpus.map(expected),
    );
  });
});
