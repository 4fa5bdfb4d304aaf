/**
 * The shipped rego/ library avoids what the wasm target answers differently from `opa eval`
 * (rego/README.md, "Known differences of the wasm target"). A grep-level check: it cannot prove
 * absence, but it names the file and row of every use it recognises.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

// sprintf is no longer here: it is Go's fmt over OPA's typing, sets included (src/policy/builtins/sprintf.ts).
const FORMAT_INT = {
  pattern: /\bformat_int\(/,
  why: 'format_int of a number past int32 aborts the whole evaluation in wasm',
};
const RULES = [
  FORMAT_INT,
  {
    pattern: /\bconcat\((?:"[^"]*"|[^,()]+),\s*\{/,
    why: "concat over a set joins in the wasm's set order, not sorted: concat(sep, sort(set))",
  },
];

/**
 * Files that used format_int when this check came in (issue 17: a count above int32 aborted
 * evaluations). Each must keep its argument below 2^31 (or stop using format_int); a new file
 * using it fails the check.
 */
const KNOWN_FORMAT_INT = new Set([
  'rego/regent/activity/activity.rego',
  'rego/regent/redact/redact.rego',
  'rego/regent/rules/bulk_export/bulk_export.rego',
  'rego/regent/rules/key_deletion/key_deletion.rego',
  'rego/regent/text/text.rego',
]);

async function regoFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await regoFiles(full)));
    else if (entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) out.push(full);
  }
  return out;
}

describe('the shipped policy library and the wasm target', () => {
  it('uses none of the constructs the wasm target answers differently', async () => {
    const findings: string[] = [];
    for (const file of await regoFiles(path.join(REPO_ROOT, 'rego'))) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/#.*$/, '');
        const name = path.relative(REPO_ROOT, file);
        for (const rule of RULES) {
          if (rule === FORMAT_INT && KNOWN_FORMAT_INT.has(name)) continue;
          if (rule.pattern.test(code)) findings.push(`${name}:${i + 1}: ${rule.why}`);
        }
      });
    }
    assert.deepEqual(
      findings,
      [],
      `see rego/README.md, "Known differences of the wasm target":\n${findings.join('\n')}`,
    );
  });

  it('recognises each construct (the check is not vacuous)', () => {
    const samples = ['y := format_int(n, 10)', 'z := concat(",", {a | some a in s})'];
    samples.forEach((sample, i) => assert.ok(RULES[i]?.pattern.test(sample), sample));
  });
});
