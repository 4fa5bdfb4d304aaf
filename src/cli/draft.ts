/**
 * `regent draft`: a least-privilege draft per agent from the audit trail of a period
 * (src/draft/ does the work). Writes the catalogue fragment, the merge diff against the active
 * configuration and, with --bundle, the drafted bundle for `regent replay`; prints a summary.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkDraft } from '../draft/check.ts';
import { buildDraft } from '../draft/draft.ts';
import type { Json } from '../draft/merge-patch.ts';
import { formatSummary } from '../draft/summary.ts';
import { readDecisions } from '../draft/trail.ts';
import { EXIT, parseFlags, runCommand, UsageError, wholeNumber, type Command } from './command.ts';

const HELP = `usage: regent draft --trail <trail.jsonl|postgres://...> [--since <iso>] [--until <iso>] [--agent <id>]
                    [--headroom <n%>] [--window-seconds <s>] [--config <data.json>] [--out <draft.json>]
                    [--diff <diff.json>] [--report <report.json>] [--rego <dir>] [--bundle <draft.tar.gz>]

Drafts least-privilege configuration from observed decisions: per agent a role <agent>-observed
with the tools its allowed or redacted decisions used, the destination entries it sent to with
the audience regent resolved, and the restricted-read ceiling from the observed peak per window
plus headroom. Denied asks are listed, never granted. Prints a summary with the evidence.

  --trail <file|url>     audit trail file, or a PostgreSQL URL (table: --table, default regent_audit)
  --since, --until       the period (ISO 8601; until is exclusive)
  --agent <id>           draft one agent (the shared burst ceiling is then only reported)
  --headroom <n%>        headroom over observed peaks (default 50%)
  --window-seconds <s>   the activity window (REGENT_ACTIVITY_WINDOW_SECONDS, default 300)
  --config <file>        the active configuration (default rego/regent/config/data.json)
  --out <file>           write the catalogue fragment
  --diff <file>          write the JSON merge patch (RFC 7396) from the configuration to the draft
  --report <file>        write the full report (evidence, denials, unused grants) as JSON
  --rego <dir>           build <dir> with the drafted configuration and run the configuration check
  --bundle <file>        with --rego: keep the drafted bundle there (for regent replay)

Exit: 0 drafted, 1 the drafted configuration fails the configuration check, 2 usage error or failure.
`;

/** `regent draft`. */
export const draft: Command = {
  path: ['draft'],
  help: HELP,
  run: (argv) =>
    runCommand(
      draft,
      async () => {
        const { values } = parseFlags(argv, {
          trail: { type: 'string' },
          table: { type: 'string' },
          since: { type: 'string' },
          until: { type: 'string' },
          agent: { type: 'string' },
          headroom: { type: 'string', default: '50%' },
          'window-seconds': { type: 'string', default: '300' },
          config: { type: 'string', default: 'rego/regent/config/data.json' },
          out: { type: 'string' },
          diff: { type: 'string' },
          report: { type: 'string' },
          rego: { type: 'string' },
          bundle: { type: 'string' },
        });
        if (values.trail === undefined) throw new UsageError('--trail is required');
        for (const flag of ['since', 'until'] as const) {
          const v = values[flag];
          if (v !== undefined && Number.isNaN(Date.parse(v)))
            throw new UsageError(`--${flag} wants an ISO 8601 time, not '${v}'`);
        }
        const headroom = /^(\d{1,4})%$/.exec(values.headroom);
        if (headroom === null) throw new UsageError(`--headroom wants a percentage like 50%, not '${values.headroom}'`);
        if (values.bundle !== undefined && values.rego === undefined) throw new UsageError('--bundle needs --rego');
        const windowSeconds = wholeNumber('window-seconds', values['window-seconds']);
        if (windowSeconds < 1) throw new UsageError('--window-seconds must be at least 1');
        const config = JSON.parse(await readFile(values.config, 'utf8')) as Json;
        const records = await readDecisions(
          { location: values.trail, ...(values.table === undefined ? {} : { table: values.table }) },
          values.until,
        );
        const result = buildDraft(records, config, {
          headroom: Number(headroom[1]) / 100,
          windowSeconds,
          ...(values.since === undefined ? {} : { since: values.since }),
          ...(values.until === undefined ? {} : { until: values.until }),
          ...(values.agent === undefined ? {} : { agent: values.agent }),
        });
        const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
        if (values.out !== undefined) await writeFile(values.out, json(result.fragment));
        if (values.diff !== undefined) await writeFile(values.diff, json(result.diff));
        if (values.report !== undefined)
          await writeFile(values.report, json({ period: result.period, agents: result.agents, diff: result.diff }));
        process.stdout.write(formatSummary(result));
        if (values.rego === undefined) return EXIT.ok;
        const check = await checkDraft(values.rego, result.merged, values.bundle);
        if (check.problems.length > 0) {
          process.stdout.write(
            `configuration check: ${check.problems.length} problems\n${check.problems.map((p) => `  ${p}\n`).join('')}`,
          );
          return EXIT.failed;
        }
        process.stdout.write(
          `configuration check: no problems${values.bundle === undefined ? '' : `; bundle ${values.bundle}`}\n`,
        );
        return EXIT.ok;
      },
      EXIT.usage,
    ),
};
