/**
 * Runs OPA's conformance cases through regent and prints the counts (`make conformance`).
 *
 *     node test/policy/conformance-cli.ts                 # counts, and every case off the known list
 *     node test/policy/conformance-cli.ts --write-known   # rewrite test/policy/conformance-known.json
 *     node test/policy/conformance-cli.ts --only 'strings/'  # cases whose name contains the text
 *
 * The gate itself is test/policy/conformance.test.ts; this is for looking and for updating the
 * list after a change that makes cases pass (or, deliberately, a new known difference).
 */
import { writeFile } from 'node:fs/promises';
import { compareWithKnown, readKnown, summarize } from './conformance-known.ts';
import { KNOWN_FILE, loadCases, runConformance, type KnownCategory } from './conformance-runner.ts';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const started = process.hrtime.bigint();
const cases = (await loadCases()).filter((c) => only === undefined || c.name.includes(only));
const outcomes = await runConformance(cases);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const known = await readKnown();
const report = compareWithKnown(outcomes, only === undefined ? known : {});
console.log(summarize(outcomes, seconds));
for (const line of report.unexpected) console.log(`UNEXPECTED ${line}`);
for (const line of report.nowPassing) console.log(`NOW PASSES (remove from the known list) ${line}`);
if (args.includes('--verbose')) {
  for (const [name, o] of outcomes) if (o.status !== 'pass') console.log(`${o.status} ${name}: ${o.detail}`);
}
if (args.includes('--write-known')) {
  const list: Record<string, KnownCategory> = {};
  for (const [name, o] of [...outcomes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (o.status !== 'pass') list[name] = o.status;
  }
  await writeFile(KNOWN_FILE, JSON.stringify(list, null, 2) + '\n');
  console.log(`wrote ${Object.keys(list).length} known differences to ${KNOWN_FILE}`);
}
process.exitCode = report.unexpected.length > 0 && !args.includes('--write-known') ? 1 : 0;
