/**
 * Regenerates bench/corpus/corpus.json from cases.ts: each request, the policy input regent
 * builds for it (what OPA is sent), and the outcome the pinned OPA gives for that input on the
 * benchmark's policy (rego/ with its activity limits lifted, bench/lib/policy.ts), so the
 * committed corpus documents its allow/deny/redact mix and `make bench` can check both servers
 * against it. Usage: node bench/corpus/generate.ts (needs .tools/bin/opa).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { buildBenchPolicy } from '../lib/policy.ts';
import { CASES } from './cases.ts';
import { CORPUS_FILE, type CorpusEntry } from './corpus.ts';
import { opaOutcomes } from './opa-outcomes.ts';
import { policyInputs } from './policy-input.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const opa = process.env['OPA_BIN'] ?? path.join(root, '.tools', 'bin', 'opa');
const inputs = policyInputs(CASES.map((c) => c.request));
const scratch = mkdtempSync(path.join(tmpdir(), 'regent-corpus-'));
const policy = await buildBenchPolicy(scratch);

const results = opaOutcomes(opa, policy.source, inputs);
rmSync(scratch, { recursive: true, force: true });

const corpus: CorpusEntry[] = CASES.map((c, i) => {
  const [decision, codes] = results[i]!;
  return {
    note: c.note,
    request: c.request,
    input: inputs[i]!,
    expected: decision as CorpusEntry['expected'],
    reason_codes: codes,
  };
});

// Written as prettier would, so `make lint` accepts the regenerated file as it is.
const file = CORPUS_FILE;
writeFileSync(file, await format(JSON.stringify(corpus), { ...(await resolveConfig(file)), filepath: file }));
const mix = { allow: 0, deny: 0, redact: 0 };
for (const e of corpus) mix[e.expected]++;
console.log(`wrote ${path.relative(root, file)}: ${corpus.length} entries, ${JSON.stringify(mix)}`);
for (const e of corpus) console.log(`  ${e.expected.padEnd(6)} ${e.note}  [${e.reason_codes.join(', ')}]`);
