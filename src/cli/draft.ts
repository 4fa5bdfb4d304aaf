/**
 * `regent draft`: a least-privilege draft per agent from what agents were seen doing in a period
 * (src/draft/ does the work): the audit trail, a decision log (regent's or OPA's format), or the
 * OpenTelemetry GenAI traces an agent emits before regent is in its path. Writes the catalogue
 * fragment, the merge diff against the active configuration and, with --bundle, the drafted
 * bundle for `regent replay`; prints a summary that names the source of every grant and what the
 * source could not show.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { catalogueView } from '../draft/catalogue-view.ts';
import { checkDraft } from '../draft/check.ts';
import { readDecisionLog } from '../draft/decision-log.ts';
import { buildDraft } from '../draft/draft.ts';
import { READ_LIMITS } from '../draft/json-file.ts';
import type { Json } from '../draft/merge-patch.ts';
import { GENAI_SEMCONV_VERSION, readTraces } from '../draft/otel.ts';
import { SOURCES, type SourceName, type SourceRead } from '../draft/source.ts';
import { formatSummary } from '../draft/summary.ts';
import { readTrail } from '../draft/trail.ts';
import { WIDENINGS, type Widening } from '../draft/widen.ts';
import { EXIT, parseFlags, runCommand, UsageError, wholeNumber, type Command } from './command.ts';

const MIB = 1024 * 1024;

const HELP = `usage: regent draft [--from trail] --trail <trail.jsonl|postgres://...> | --from decision-log <file> | --from otel <file>
                    [--since <iso>] [--until <iso>] [--agent <id>] [--headroom <n%>] [--window-seconds <s>]
                    [--widen reads]
                    [--config <data.json>] [--out <draft.json>] [--diff <diff.json>] [--report <report.json>]
                    [--rego <dir>] [--bundle <draft.tar.gz>]

Drafts least-privilege configuration from what agents were seen doing: per agent a role
<agent>-observed with the tools its allowed or redacted decisions used, the destination entries it
sent to with the audience regent resolved, and the restricted-read ceiling from the observed peak
per window plus headroom. Denied asks are listed, never granted. Prints a summary with the
evidence, the source of every line, and what the source could not show: a source that shows less
drafts less, never more.

Sources (--from, default trail):
  trail          the audit trail (--trail <file|url>, or the file as the argument): everything a draft uses
  decision-log   regent's decision log (REGENT_DECISION_LOG=true; REGENT_DECISION_LOG_INPUTS=true adds
                 the data flow) and/or OPA decision-log events (REGENT_DECISION_LOG_FORMAT=opa, or
                 the JSON arrays REGENT_DECISION_LOG_URL uploads). Without inputs: tools and kinds
                 only, no destination entries, no ceiling; OPA events without input are left out
  otel           OTLP JSON traces, GenAI semantic conventions ${GENAI_SEMCONV_VERSION}: execute_tool spans
                 (gen_ai.tool.name; gen_ai.agent.id or gen_ai.agent.name on the span or an ancestor).
                 Unverified: the agent id is the agent's own claim, used only to group its tools.
                 Tools (with the catalogue's kind) only; no labels, audiences beyond the directory,
                 principals, denials or ceiling. Failed spans are reported, never granted
  Files are JSON lines or one JSON document; at most ${READ_LIMITS.maxFileBytes / MIB} MiB, ${READ_LIMITS.maxLineBytes / MIB} MiB a line,
  ${READ_LIMITS.maxDocumentBytes / MIB} MiB as one document.

  --from <source>        trail, decision-log or otel
  --trail <file|url>     audit trail file, or a PostgreSQL URL (table: --table, default regent_audit)
  --since, --until       the period (ISO 8601; until is exclusive)
  --agent <id>           draft one agent (the shared burst ceiling is then only reported)
  --headroom <n%>        headroom over observed peaks (default 50%)
  --window-seconds <s>   the activity window (REGENT_ACTIVITY_WINDOW_SECONDS, default 300)
  --widen reads          also grant, in a role <agent>-widened-reads, the tools the catalogue defines
                         as reads only of a system the agent was seen reading with an allowed read,
                         declaring no output label or classification beyond those reads'; never a
                         write, send, delete or execute, never a refused ask. Not observed: the
                         summary lists each apart with the reads it rests on (record 022)
  --config <file>        the active configuration (default rego/regent/config/data.json)
  --out <file>           write the catalogue fragment
  --diff <file>          write the JSON merge patch (RFC 7396) from the configuration to the draft
  --report <file>        write the full report (source, evidence, denials, unused grants) as JSON
  --rego <dir>           build <dir> with the drafted configuration and run the configuration check
  --bundle <file>        with --rego: keep the drafted bundle there (for regent replay)

Exit: 0 drafted, 1 the drafted configuration fails the configuration check, 2 usage error, a
malformed or empty source, or another failure (nothing written).
`;

/** Which source, and where, from the flags and the one optional argument. */
function sourceOf(values: { from?: string; trail?: string; table?: string }, positionals: string[]) {
  const from = (values.from ?? 'trail') as SourceName;
  if (!(SOURCES as readonly string[]).includes(from))
    throw new UsageError(`--from wants one of ${SOURCES.join(', ')}, not '${values.from}'`);
  const file = positionals[0];
  if (from === 'trail') {
    if (values.trail !== undefined && file !== undefined)
      throw new UsageError('give the trail once: --trail <file|url> or the argument');
    const location = values.trail ?? file;
    if (location === undefined) throw new UsageError('--trail is required');
    return { from, location };
  }
  if (values.trail !== undefined || values.table !== undefined)
    throw new UsageError(`--trail and --table are for --from trail, not --from ${from}`);
  if (file === undefined) throw new UsageError(`--from ${from} needs the file: regent draft --from ${from} <file>`);
  return { from, location: file };
}

/** `regent draft`. */
export const draft: Command = {
  path: ['draft'],
  help: HELP,
  run: (argv) =>
    runCommand(
      draft,
      async () => {
        const { values, positionals } = parseFlags(
          argv,
          {
            from: { type: 'string' },
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
            widen: { type: 'string' },
          },
          { min: 0, max: 1 },
        );
        const source = sourceOf(values, positionals);
        for (const flag of ['since', 'until'] as const) {
          const v = values[flag];
          if (v !== undefined && Number.isNaN(Date.parse(v)))
            throw new UsageError(`--${flag} wants an ISO 8601 time, not '${v}'`);
        }
        const headroom = /^(\d{1,4})%$/.exec(values.headroom);
        if (headroom === null) throw new UsageError(`--headroom wants a percentage like 50%, not '${values.headroom}'`);
        if (values.bundle !== undefined && values.rego === undefined) throw new UsageError('--bundle needs --rego');
        const widen = values.widen;
        if (widen !== undefined && !(WIDENINGS as readonly string[]).includes(widen))
          throw new UsageError(`--widen wants one of ${WIDENINGS.join(', ')}, not '${widen}'`);
        const windowSeconds = wholeNumber('window-seconds', values['window-seconds']);
        if (windowSeconds < 1) throw new UsageError('--window-seconds must be at least 1');
        const config = JSON.parse(await readFile(values.config, 'utf8')) as Json;
        // Everything is read and drafted before anything is written: a bad source writes nothing.
        let read: SourceRead;
        if (source.from === 'decision-log') read = await readDecisionLog(source.location);
        else if (source.from === 'otel') read = await readTraces(source.location, catalogueView(config));
        else
          read = await readTrail(
            { location: source.location, ...(values.table === undefined ? {} : { table: values.table }) },
            values.until,
          );
        const result = buildDraft(
          read.records,
          config,
          {
            headroom: Number(headroom[1]) / 100,
            windowSeconds,
            ...(values.since === undefined ? {} : { since: values.since }),
            ...(values.until === undefined ? {} : { until: values.until }),
            ...(values.agent === undefined ? {} : { agent: values.agent }),
            ...(widen === undefined ? {} : { widen: [widen as Widening] }),
          },
          read.report,
        );
        const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
        if (values.out !== undefined) await writeFile(values.out, json(result.fragment));
        if (values.diff !== undefined) await writeFile(values.diff, json(result.diff));
        if (values.report !== undefined)
          await writeFile(
            values.report,
            json({
              period: result.period,
              widen: result.widen,
              source: result.source,
              agents: result.agents,
              notes: result.notes,
              diff: result.diff,
            }),
          );
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
