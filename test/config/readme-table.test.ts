/**
 * The README's configuration table is generated from src/config/config-keys.ts
 * (`node scripts/config-docs.ts`); this keeps the two from drifting apart (three settings had
 * gone missing from the README before this check existed).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

it("README's configuration table is the one scripts/config-docs.ts prints", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'scripts/config-docs.ts')]);
  const lines = (await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8')).split('\n');
  const start = lines.findIndex((l) => l.startsWith('| Environment | File key |'));
  assert.ok(start >= 0, 'the README has the table');
  let end = start;
  while (end < lines.length && (lines[end] ?? '').startsWith('|')) end++;
  assert.equal(lines.slice(start, end).join('\n'), stdout.trimEnd(), 'run: node scripts/config-docs.ts');
});
