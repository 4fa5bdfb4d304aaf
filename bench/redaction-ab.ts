/**
 * Detection and redaction, before and after a change to src/decision/redaction, in one process:
 * imports the redaction port from this checkout and from a baseline checkout, takes each bench
 * corpus payload with the redactions this tree's benchmark policy asks for it (evaluated
 * in-process), checks both versions give deep-equal detections and redacted payloads, then times
 * passes over the corpus (detect, then redact when the policy redacts), alternating A and B, and
 * reports medians and the median of the paired ratios.
 *
 *   node bench/redaction-ab.ts --baseline DIR [--passes 40]
 *
 * DIR: another checkout (`git worktree add DIR <commit>`); its src/decision/redaction-port.ts is
 * imported, so it needs nothing installed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { RedactionPort } from '../src/decision/decision-service.ts';
import { createRedactionPort } from '../src/decision/redaction-port.ts';
import { jsonToInputBuffer } from '../src/policy/wasm-engine.ts';
import { readCorpus } from './corpus/corpus.ts';
import { buildBenchPolicy, loadEngine } from './lib/policy.ts';
import { alternate, describeAlternation } from './lib/alternate.ts';

const { values } = parseArgs({
  options: { baseline: { type: 'string' }, passes: { type: 'string', default: '40' } },
});
if (values.baseline === undefined) throw new Error('usage: node bench/redaction-ab.ts --baseline DIR [--passes 40]');
const passes = Number(values.passes);
/** The decision service's default bound (config `maxRedactionPaths`). */
const MAX_PATHS = 1000;

type Redactions = Parameters<RedactionPort['redact']>[1];

const dir = await mkdtemp(path.join(tmpdir(), 'regent-redaction-ab-'));
try {
  const engine = await loadEngine((await buildBenchPolicy(dir)).wasmBundle);
  const work = readCorpus().flatMap((e) => {
    const payload = (e.request as { payload?: unknown }).payload;
    if (payload === undefined) return [];
    const result = engine.evaluate('regent/decision', jsonToInputBuffer(JSON.stringify(e.input))) as {
      decision: string;
      redactions: Redactions;
    };
    return [{ note: e.note, payload, redactions: result.decision === 'redact' ? result.redactions : [] }];
  });
  const baselineModule = (await import(
    pathToFileURL(path.resolve(values.baseline, 'src/decision/redaction-port.ts')).href
  )) as { createRedactionPort: typeof createRedactionPort };
  const base = baselineModule.createRedactionPort({ maxPaths: MAX_PATHS });
  const tree = createRedactionPort({ maxPaths: MAX_PATHS });
  const once = (port: RedactionPort, w: (typeof work)[number]) => ({
    detected: port.detect(w.payload),
    redacted: w.redactions.length > 0 ? port.redact(w.payload, w.redactions) : null,
  });
  for (const w of work) {
    if (!isDeepStrictEqual(once(base, w), once(tree, w)))
      throw new Error(`the two versions treat "${w.note}" differently: not a performance change`);
  }
  const timing = alternate(work, { baseline: (w) => once(base, w), tree: (w) => once(tree, w) }, passes);
  const redacting = work.filter((w) => w.redactions.length > 0).length;
  console.log(
    `${work.length} corpus payloads (${redacting} redacted by the policy), same detections and redactions from both; ${describeAlternation(timing, passes, 'payload')}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
