/**
 * `regent replay`: replays recorded decisions against a candidate bundle and prints what would
 * change (src/policy/replay.ts does the work).
 */
import { readFile } from 'node:fs/promises';
import { readBundle } from '../policy/bundle/read-bundle.ts';
import { formatReport, replayLog, ReplayEngine } from '../policy/replay.ts';
import { EXIT, parseFlags, runCommand, UsageError, wholeNumber, type Command } from './command.ts';

const HELP = `usage: regent replay --log <decisions.jsonl> --bundle <candidate.tar.gz> [--baseline <active.tar.gz>]
                     [--limit <n>] [--json] [--fail-on-change]

Replays recorded decisions against a candidate bundle and reports what would change. The log is
regent's stdout (JSON lines) written with REGENT_DECISION_LOG_INPUTS=true. Without --baseline
the candidate is compared with the recorded decisions; with it, both bundles are evaluated on
the same recorded inputs (which never hold payload values).

  --log <file>        decision records
  --bundle <file>     the candidate bundle
  --baseline <file>   a bundle to compare with instead of the recorded decisions
  --limit <n>         changed decisions listed (default 10)
  --json              print the report as JSON
  --fail-on-change    exit 1 when any decision's outcome changes

Exit: 0 replayed, 1 outcomes change (with --fail-on-change), 2 usage error or replay failed.
`;

/** `regent replay`. */
export const replay: Command = {
  path: ['replay'],
  help: HELP,
  run: (argv) =>
    runCommand(
      replay,
      async () => {
        const { values } = parseFlags(argv, {
          log: { type: 'string' },
          bundle: { type: 'string' },
          baseline: { type: 'string' },
          limit: { type: 'string', default: '10' },
          json: { type: 'boolean', default: false },
          'fail-on-change': { type: 'boolean', default: false },
        });
        if (values.log === undefined || values.bundle === undefined)
          throw new UsageError('--log and --bundle are required');
        const limit = wholeNumber('limit', values.limit);
        const load = async (file: string) => ReplayEngine.load(await readBundle(await readFile(file)));
        const candidate = await load(values.bundle);
        const baseline = values.baseline === undefined ? undefined : await load(values.baseline);
        const report = await replayLog(values.log, candidate, baseline, limit);
        process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
        return values['fail-on-change'] && report.changed > 0 ? EXIT.failed : EXIT.ok;
      },
      EXIT.usage,
    ),
};
