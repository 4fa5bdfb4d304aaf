/**
 * The checked-in list of OPA conformance cases regent knowingly does not pass
 * (test/policy/conformance-known.json: case name -> category) and the comparison the gate makes
 * with it: a case off the list that does not pass, or that fails in another category than
 * listed, is unexpected; a listed case that now passes is reported so the list shrinks. A case
 * that calls a builtin outside regent's capabilities is only reported, listed or not.
 */
import { readFile } from 'node:fs/promises';
import { KNOWN_FILE, type CaseOutcome, type KnownCategory } from './conformance-runner.ts';

/** The known differences by case name. */
export type KnownList = Record<string, KnownCategory>;

/** Reads test/policy/conformance-known.json (empty when the file does not exist yet). */
export async function readKnown(): Promise<KnownList> {
  try {
    return JSON.parse(await readFile(KNOWN_FILE, 'utf8')) as KnownList;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** What the gate reports: cases that break it, and listed cases that now pass. */
export interface KnownComparison {
  unexpected: string[];
  nowPassing: string[];
}

/** Compares outcomes with the known list (see the module comment). */
export function compareWithKnown(outcomes: ReadonlyMap<string, CaseOutcome>, known: KnownList): KnownComparison {
  const unexpected: string[] = [];
  const nowPassing: string[] = [];
  for (const [name, o] of outcomes) {
    const listed = known[name];
    if (o.status === 'pass') {
      if (listed !== undefined) nowPassing.push(`${name} (listed as ${listed})`);
    } else if (o.status === 'not_offered' && listed !== 'not_offered') {
      // Mechanical (the case calls a builtin outside the capabilities), so never a failure:
      // builtins are added and removed by other changes; reported so the list follows.
      nowPassing.push(`${name} (not offered: ${o.detail}; listed as ${listed ?? 'nothing'})`);
    } else if (listed !== o.status) {
      unexpected.push(`${name}: ${o.status}${listed === undefined ? '' : ` (listed as ${listed})`}: ${o.detail}`);
    }
  }
  return { unexpected, nowPassing };
}

/** One line of counts: total, pass, and each category. */
export function summarize(outcomes: ReadonlyMap<string, CaseOutcome>, seconds: number): string {
  const counts: Record<string, number> = { pass: 0, wasm_difference: 0, wasm_compile: 0, not_offered: 0 };
  for (const o of outcomes.values()) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return (
    `OPA conformance cases: ${outcomes.size} total, ${counts['pass']} pass, ` +
    `${counts['wasm_difference']} known wasm differences, ${counts['wasm_compile']} do not compile to wasm, ` +
    `${counts['not_offered']} use builtins regent does not offer (${seconds.toFixed(1)} s)`
  );
}
