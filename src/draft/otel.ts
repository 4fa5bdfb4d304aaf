/**
 * Traces an agent already emits, as the source of a draft: OTLP JSON (the protobuf JSON mapping
 * of ExportTraceServiceRequest: `resourceSpans[].scopeSpans[].spans[]`, attributes as
 * `{key, value: AnyValue}`), one document or one request per line (the collector's file
 * exporter), read by the OpenTelemetry GenAI semantic conventions (v1.38.0, status Development):
 * a tool execution is a span with `gen_ai.operation.name` = `execute_tool`, the tool in
 * `gen_ai.tool.name`, its arguments (opt-in) in `gen_ai.tool.call.arguments`, and the agent in
 * `gen_ai.agent.id` / `gen_ai.agent.name` on the span or on the `invoke_agent` span it runs under.
 *
 * A span is the agent's own account: its agent id only groups tool use per agent, for a person to
 * review. A span shows a tool ran, so the tool may be drafted, with the kind the catalogue gives
 * it; what the catalogue says about the tool (`returns`) labels a read, and an argument equal to
 * an entry of the destination directory names a send's destination. Nothing else is inferred:
 * no labels moved, no audiences beyond the directory, no principals, no denials. A span that
 * ended in an error grants nothing; it is reported.
 */
import type { CatalogueView } from './catalogue-view.ts';
import { readJsonValues, SourceFileError, type Where } from './json-file.ts';
import { describeGaps, emptyReport, skip, type Gap, type ObservedRecord, type SourceRead } from './source.ts';

/** The semantic-conventions release the attribute names come from. */
export const GENAI_SEMCONV_VERSION = '1.38.0';
/** The record form of a trace span. */
export const FORM = 'OpenTelemetry trace (execute_tool span, unverified)';

const ATTR = {
  operation: 'gen_ai.operation.name',
  tool: 'gen_ai.tool.name',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  arguments: 'gen_ai.tool.call.arguments',
  errorType: 'error.type',
} as const;
const EXECUTE_TOOL = 'execute_tool';
/** How far up the parent chain an agent id is looked for. */
const MAX_ANCESTORS = 64;
const MAX_DEPTH = 32;
const STATUS_ERROR = 2;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** What is kept of each span: enough to find its agent, and the tool call when it is one. */
interface SpanFacts {
  parent: string | null;
  agent: string | null;
  tool?: { name: string | null; args: unknown; startNs: unknown; error: boolean; traceId: string; spanId: string };
}

/** Reads the execute_tool spans of `file` against the catalogue `view`; throws {@link SourceFileError} when malformed or empty. */
export async function readTraces(file: string, view: CatalogueView): Promise<SourceRead> {
  const report = emptyReport('otel', file, true);
  const spans = new Map<string, SpanFacts>();
  const bad = (where: Where, what: string): never => {
    throw new SourceFileError(`${file} ${where}: ${what}`);
  };
  const read = await readJsonValues(file, (value, where) => {
    if (!isObj(value) || !Array.isArray(value['resourceSpans']))
      bad(where, 'not an OTLP JSON trace export (an object with resourceSpans)');
    for (const rs of (value as Obj)['resourceSpans'] as unknown[]) {
      if (!isObj(rs)) bad(where, 'a resourceSpans entry that is not an object');
      const scopes = (rs as Obj)['scopeSpans'] ?? [];
      if (!Array.isArray(scopes)) bad(where, 'scopeSpans that is not an array');
      for (const ss of scopes as unknown[]) {
        const list = isObj(ss) ? (ss['spans'] ?? []) : null;
        if (!Array.isArray(list)) bad(where, 'a scopeSpans entry without a spans array');
        for (const span of list as unknown[]) {
          if (!isObj(span)) bad(where, 'a span that is not an object');
          collect(span as Obj, spans, report);
        }
      }
    }
  });
  if (read.partialTail) skip(report, 'a last line still being written');

  const records: ObservedRecord[] = [];
  const failed = new Map<string, Map<string, string[]>>();
  for (const [key, facts] of spans) {
    const call = facts.tool;
    if (call === undefined) continue;
    if (call.name === null) {
      skip(report, 'execute_tool spans without gen_ai.tool.name');
      continue;
    }
    const agent = agentOf(key, spans);
    if (agent === null) {
      skip(
        report,
        'execute_tool spans naming no agent (gen_ai.agent.id or gen_ai.agent.name, on the span or an ancestor)',
      );
      continue;
    }
    const time = timeOf(call.startNs);
    if (time === null) {
      skip(report, 'execute_tool spans without a valid startTimeUnixNano');
      continue;
    }
    const id = `${call.traceId}/${call.spanId}`;
    if (call.error) {
      const byTool = failed.get(agent) ?? new Map<string, string[]>();
      byTool.set(call.name, [...(byTool.get(call.name) ?? []), id]);
      failed.set(agent, byTool);
      continue;
    }
    records.push(toRecord(id, time, agent, call.name, call.args, view));
  }
  for (const [agent, byTool] of failed)
    report.not_granted[agent] = [...byTool].map(
      ([tool, ids]) =>
        `tool '${tool}': ${ids.length} execute_tool span(s) ended in an error (e.g. ${ids.slice(0, 3).join(', ')}); a failed execution grants nothing`,
    );
  if (records.length === 0 && failed.size === 0)
    throw new SourceFileError(
      `${file} holds no execute_tool span naming a tool and an agent (gen_ai.operation.name = execute_tool, gen_ai.tool.name, gen_ai.agent.id or gen_ai.agent.name; GenAI semantic conventions ${GENAI_SEMCONV_VERSION})`,
    );
  if (records.length > 0) report.forms[FORM] = records.length;
  report.cannot_show.push(
    'Agent identities in traces are the agents\u2019 own claims (gen_ai.agent.id / gen_ai.agent.name), used only to ' +
      'group tool use per agent: every grant drafted from traces comes from unverified telemetry; review it before ' +
      'it grants anything.',
  );
  describeGaps(report, records);
  return { records, report };
}

function collect(span: Obj, spans: Map<string, SpanFacts>, report: ReturnType<typeof emptyReport>): void {
  const traceId = span['traceId'];
  const spanId = span['spanId'];
  if (!isStr(traceId) || !isStr(spanId)) {
    skip(report, 'spans without traceId or spanId');
    return;
  }
  const attrs = attributes(span['attributes']);
  const parent = span['parentSpanId'];
  const facts: SpanFacts = {
    parent: isStr(parent) ? `${traceId}/${parent}` : null,
    agent: str(attrs.get(ATTR.agentId)) ?? str(attrs.get(ATTR.agentName)),
  };
  if (attrs.get(ATTR.operation) === EXECUTE_TOOL) {
    const status = isObj(span['status']) ? span['status']['code'] : undefined;
    facts.tool = {
      name: str(attrs.get(ATTR.tool)),
      args: argumentsOf(attrs.get(ATTR.arguments)),
      startNs: span['startTimeUnixNano'],
      error: status === STATUS_ERROR || status === 'STATUS_CODE_ERROR' || attrs.has(ATTR.errorType),
      traceId,
      spanId,
    };
  } else skip(report, 'spans that are not execute_tool');
  spans.set(`${traceId}/${spanId}`, facts);
}

/** The span's own agent, else the nearest ancestor's in the same trace. */
function agentOf(key: string, spans: Map<string, SpanFacts>): string | null {
  let at = spans.get(key);
  for (let i = 0; at !== undefined && i <= MAX_ANCESTORS; i++) {
    if (at.agent !== null) return at.agent;
    at = at.parent === null ? undefined : spans.get(at.parent);
  }
  return null;
}

/** One execute_tool span as a record, through what the catalogue says of the tool. */
function toRecord(id: string, time: string, agent: string, name: string, args: unknown, view: CatalogueView) {
  const tool = view.tools[name];
  const kinds = tool?.kinds ?? [];
  const kind = kinds.length === 1 ? (kinds[0] as string) : 'unknown';
  const gaps: Gap[] = ['verdict', 'labels', 'principal', 'sampled'];
  const record: ObservedRecord = {
    decision_id: id,
    time,
    agent: { id: agent, on_behalf_of: null },
    session: null,
    tool: name,
    kind,
    decision: 'allow',
    reason_codes: [],
    data_flow: { resource: null, sources: [], destination: null },
    source: FORM,
    gaps,
  };
  if (tool === undefined) return record;
  if (kind === 'read')
    record.data_flow.resource = {
      system: tool.system ?? null,
      id: null,
      labels: [...(tool.returns?.labels ?? [])],
      classification: tool.returns?.classification ?? null,
    };
  if (kind === 'send') {
    const entry = directoryEntry(view, tool.system, args);
    if (entry === null) gaps.push('destination');
    else
      record.data_flow.destination = {
        system: tool.system as string,
        id: entry.id,
        audience: entry.audience,
        recipients: [],
        recipient_count: 0,
      };
  }
  return record;
}

/** The one directory entry of `system` that a top-level string argument names exactly, if exactly one does. */
function directoryEntry(
  view: CatalogueView,
  system: string | undefined,
  args: unknown,
): { id: string; audience: string } | null {
  const entries = system === undefined ? undefined : view.destinations?.systems?.[system]?.entries;
  if (entries === undefined || !isObj(args)) return null;
  const named = new Set(
    Object.values(args).filter((v): v is string => typeof v === 'string' && Object.hasOwn(entries, v)),
  );
  if (named.size !== 1) return null;
  const id = [...named][0] as string;
  return { id, audience: entries[id] as string };
}

/** Span attributes as plain values (the protobuf JSON mapping of KeyValue / AnyValue). */
function attributes(list: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(list)) return out;
  for (const kv of list) if (isObj(kv) && isStr(kv['key'])) out.set(kv['key'], anyValue(kv['value'], 0));
  return out;
}

function anyValue(v: unknown, depth: number): unknown {
  if (!isObj(v) || depth > MAX_DEPTH) return undefined;
  if ('stringValue' in v) return typeof v['stringValue'] === 'string' ? v['stringValue'] : undefined;
  if ('boolValue' in v) return v['boolValue'] === true;
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('bytesValue' in v) return v['bytesValue'];
  const array = v['arrayValue'];
  if (isObj(array)) return (Array.isArray(array['values']) ? array['values'] : []).map((x) => anyValue(x, depth + 1));
  const kvlist = v['kvlistValue'];
  if (isObj(kvlist) && Array.isArray(kvlist['values']))
    return Object.fromEntries(
      kvlist['values'].flatMap((kv: unknown) =>
        isObj(kv) && isStr(kv['key']) ? [[kv['key'], anyValue(kv['value'], depth + 1)]] : [],
      ),
    );
  return undefined;
}

/** The arguments attribute: structured, or a JSON string the conventions allow instead. */
function argumentsOf(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | null {
  return isStr(v) ? v.slice(0, 256) : null;
}

/** startTimeUnixNano (a decimal string or number) as ISO 8601; null when it is not one. */
function timeOf(ns: unknown): string | null {
  let ms: number;
  // A JSON number this large has lost its nanoseconds, never its milliseconds.
  if (typeof ns === 'number' && Number.isFinite(ns) && ns > 0) ms = Math.floor(ns / 1e6);
  else if (typeof ns === 'string' && /^\d{1,20}$/.test(ns)) ms = Number(BigInt(ns) / 1_000_000n);
  else return null;
  const date = new Date(ms);
  return ms > 0 && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
