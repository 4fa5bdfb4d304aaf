/**
 * Replays recorded decisions against a candidate bundle and prints what would change.
 * Usage: node scripts/replay.ts --log decisions.jsonl --bundle candidate.tar.gz
 *          [--baseline active.tar.gz] [--limit 10] [--json] [--fail-on-change]
 * The log is regent's stdout (JSON lines) written with REGENT_DECISION_LOG_INPUTS=true. Without
 * --baseline the candidate is compared with the recorded decisions; with it, both bundles are
 * evaluated on the same recorded inputs (which never hold payload values).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readBundle } from '../src/policy/bundle/read-bundle.ts';
import { formatReport, replayLog, ReplayEngine } from '../src/policy/replay.ts';

const { values } = parseArgs({
  options: {
    log: { type: 'string' },
    bundle: { type: 'string' },
    baseline: { type: 'string' },
    limit: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    'fail-on-change': { type: 'boolean', default: false },
  },
});

const load = async (file: string) => ReplayEngine.load(await readBundle(await readFile(file)));

try {
  if (values.log === undefined || values.bundle === undefined)
    throw new Error(
      'usage: node scripts/replay.ts --log decisions.jsonl --bundle candidate.tar.gz [--baseline active.tar.gz] [--limit N] [--json] [--fail-on-change]',
    );
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new Error('--limit must be a non-negative integer');
  const candidate = await load(values.bundle);
  const baseline = values.baseline === undefined ? undefined : await load(values.baseline);
  const report = await replayLog(values.log, candidate, baseline, limit);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (values['fail-on-change'] && report.changed > 0) process.exitCode = 1;
} catch (err) {
  console.error(`replay failed: ${(err as Error).message}`);
  process.exitCode = 2;
}
