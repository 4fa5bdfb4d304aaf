/**
 * OPA's builtin-error semantics (issue 17): a failing builtin makes only its expression
 * undefined, unless strict builtin errors are asked for, which fail the evaluation. Every case
 * is evaluated by regent (both evaluators) and by `opa eval` on the same Rego, with and without
 * `--strict-builtin-errors`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PolicyEvaluationError } from '../../src/errors/policy-errors.ts';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { createEvaluator } from '../../src/policy/evaluator/create-evaluator.ts';
import type { Evaluator } from '../../src/policy/evaluator/evaluator.ts';
import { REPO_ROOT, runOpa } from '../../src/policy/toolchain/opa-cli.ts';
import { buildTestBundle } from '../support/bundles.ts';
import { canonicalJson } from './builtins-oracle.ts';

const FIXTURE = 'test/fixtures/policies/builtin-undefined';

const VALID = {
  time: '2024-01-02T03:04:05Z',
  duration: '1h30m',
  ns: 1_700_000_000_000_000_000,
  zone: 'UTC',
  units: '10Ki',
  bytes: '1KB',
  client_version: '2.1.0',
  pattern: 'b',
};

/** Inputs with one or more failing host builtins; `note` says which. */
const CASES = [
  {
    note: "issue 17's example: semver.compare on 'latest', but the user is an admin",
    input: { client_version: 'latest', user: { admin: true } },
  },
  { note: 'every builtin succeeds', input: { ...VALID, user: { admin: false } } },
  { note: 'time.parse_rfc3339_ns on a non-RFC 3339 text', input: { ...VALID, time: 'yesterday' } },
  { note: 'time.parse_duration_ns on an unknown unit', input: { ...VALID, duration: '3 fortnights' } },
  { note: 'time.date in an unknown zone', input: { ...VALID, zone: 'Mars/Olympus_Mons' } },
  { note: 'units.parse and units.parse_bytes on text', input: { ...VALID, units: 'lots', bytes: 'many' } },
  { note: 'semver.compare on a non-semver version', input: { ...VALID, client_version: 'v2' } },
  { note: 'regex.replace with an invalid pattern', input: { ...VALID, pattern: '(' } },
  {
    note: 'all of them at once',
    input: { time: 1, duration: 'x', ns: 'x', zone: 1, units: 'x', bytes: 'x', client_version: 'x', pattern: '[' },
  },
];

const ENTRYPOINTS = ['regent/allow', 'regent/outcomes'];

type Outcome = { value: string } | { undefined: true } | { error: true };

async function opaEval(dir: string, entrypoint: string, input: unknown, strict: boolean): Promise<Outcome> {
  await writeFile(path.join(dir, 'input.json'), JSON.stringify(input));
  const run = await runOpa(
    [
      'eval',
      ...(strict ? ['--strict-builtin-errors'] : []),
      '-f',
      'json',
      '-d',
      path.join(REPO_ROOT, FIXTURE),
      '-i',
      path.join(dir, 'input.json'),
      `data.${entrypoint.replaceAll('/', '.')}`,
    ],
    {},
  );
  const out = JSON.parse(run.stdout) as { result?: { expressions: { value: unknown }[] }[]; errors?: unknown[] };
  if (out.errors !== undefined) return { error: true };
  const value = out.result?.[0]?.expressions[0]?.value;
  return value === undefined ? { undefined: true } : { value: canonicalJson(JSON.stringify(value)) };
}

async function regentEval(
  evaluator: Evaluator,
  entrypoint: string,
  input: unknown,
  strict?: boolean,
): Promise<Outcome> {
  try {
    const options = strict === undefined ? undefined : { strictBuiltinErrors: strict };
    const value = await evaluator.evaluate(entrypoint, JSON.stringify(input), options);
    return { value: canonicalJson(JSON.stringify(value)) };
  } catch (err) {
    assert.ok(err instanceof PolicyEvaluationError, String(err));
    if (err.reasonCode === 'policy.undefined_result') return { undefined: true };
    assert.equal(err.reasonCode, 'policy.builtin_error', err.message);
    return { error: true };
  }
}

describe('builtin errors, as OPA treats them', () => {
  let dir: string;
  const oracle = new Map<string, Outcome>();
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-builtin-errors-'));
    for (const { input } of CASES)
      for (const entrypoint of ENTRYPOINTS)
        for (const strict of [false, true])
          oracle.set(`${JSON.stringify(input)} ${entrypoint} ${strict}`, await opaEval(dir, entrypoint, input, strict));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("opa eval answers issue 17's example with true", () => {
    const example = CASES[0];
    assert.ok(example !== undefined);
    assert.deepEqual(oracle.get(`${JSON.stringify(example.input)} regent/allow false`), { value: 'true' });
  });

  for (const workers of [0, 2]) {
    for (const strictDefault of [false, true]) {
      describe(`${workers === 0 ? 'inline' : 'worker pool'}, strict builtin errors ${strictDefault ? 'on' : 'off'} by default`, () => {
        let evaluator: Evaluator;
        before(async () => {
          const bundle = await readBundle(await readFile((await buildTestBundle(FIXTURE)).file));
          evaluator = await createEvaluator(bundle, {
            workers,
            timeoutMs: 30_000,
            maxQueue: 1000,
            maxMemoryPages: 256,
            recycleAboveBytes: 1 << 30,
            strictBuiltinErrors: strictDefault,
          });
        });
        after(async () => evaluator.close());

        for (const { note, input } of CASES) {
          it(`agrees with opa eval: ${note}`, async () => {
            for (const entrypoint of ENTRYPOINTS) {
              const key = (strict: boolean) => `${JSON.stringify(input)} ${entrypoint} ${strict}`;
              assert.deepEqual(
                await regentEval(evaluator, entrypoint, input),
                oracle.get(key(strictDefault)),
                `${entrypoint}, default`,
              );
              for (const strict of [false, true]) {
                assert.deepEqual(
                  await regentEval(evaluator, entrypoint, input, strict),
                  oracle.get(key(strict)),
                  `${entrypoint}, strict ${strict}`,
                );
              }
            }
          });
        }

        it('a strict builtin error does not count towards not-ready unless it keeps happening', () => {
          assert.equal(evaluator.health().ready, true);
        });
      });
    }
  }
});
