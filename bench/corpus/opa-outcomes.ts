/**
 * The pinned OPA's answers to policy inputs, each as [decision, reason codes]: one `opa eval`
 * over every input at once (`with input as` per case keeps it to about a second). The corpus is
 * generated from these (generate.ts) and checked against them (test/bench/corpus.test.ts).
 */
import { execFileSync } from 'node:child_process';

const QUERY =
  'x := [d | some c in input.cases; r := data.regent.decision with input as c; d := [r.decision, [x.code | some x in r.reasons]]]';

/** OPA's outcome for each of `inputs`, in order, evaluating the rego source directory `source`. */
export function opaOutcomes(opaBin: string, source: string, inputs: readonly unknown[]): [string, string[]][] {
  const out = execFileSync(
    opaBin,
    ['eval', '-d', source, '--ignore', '*_test.rego', '--ignore', '*.md', '-f', 'json', '-I', QUERY],
    { input: JSON.stringify({ cases: inputs }), maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(out.toString('utf8')) as { result: { bindings: { x: [string, string[]][] } }[] };
  const rows = parsed.result[0]?.bindings.x;
  if (rows === undefined || rows.length !== inputs.length) throw new Error('opa eval gave no outcome per input');
  return rows;
}
