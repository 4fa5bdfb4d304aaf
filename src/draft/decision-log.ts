/**
 * A decision log as the source of a draft, in either format regent writes:
 * - regent's own decision lines (REGENT_DECISION_LOG=true: winston JSON with message `decision`,
 *   agent_id, on_behalf_of, session_id, tool, kind, decision, reason_codes, observed, timestamp;
 *   the policy input minus payload only with REGENT_DECISION_LOG_INPUTS);
 * - OPA decision-log events (src/observability/decision-logs: decision_id, path, input, result,
 *   timestamp), one per line in OPA's console shape (`Decision Log`) or as the JSON arrays a
 *   decision-log service receives.
 * Each decision becomes one record. What a line cannot show is a gap on the record (no input: no
 * data flow, and no phase on lines older than the `phase` field; an OPA event: no observe mode); an OPA event without its input names no
 * agent or tool at all and is left out, counted.
 */
import { dataFlowSummary } from '../audit/record.ts';
import { DECISION_PATH } from '../observability/decision-logs/opa-event.ts';
import { readJsonValues, SourceFileError, type Where } from './json-file.ts';
import { describeGaps, emptyReport, skip, type ObservedRecord, type SourceRead, type SourceReport } from './source.ts';

const DECISIONS: readonly string[] = ['allow', 'deny', 'redact', 'escalate'];
const OPA_MESSAGE = 'Decision Log';

/** The record forms a decision log holds. */
export const FORMS = {
  regentInput: 'regent decision log (with input)',
  regentBare: 'regent decision log (no input)',
  opa: 'OPA decision log (with input)',
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);

/** Reads every decision of the decision log `file`; throws {@link SourceFileError} when it holds none or is malformed. */
export async function readDecisionLog(file: string): Promise<SourceRead> {
  const report = emptyReport('decision-log', file);
  const records: ObservedRecord[] = [];
  const bad = (where: Where, what: string): never => {
    throw new SourceFileError(`${file} ${where}: ${what}`);
  };
  const read = await readJsonValues(file, (value, where) => {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!isObj(item)) bad(where, 'not a log record (a JSON object) or an array of OPA events');
      const record = toRecord(item as Obj, where, report, bad);
      if (record === null) continue;
      records.push(record);
      const form = record.source as string;
      report.forms[form] = (report.forms[form] ?? 0) + 1;
    }
  });
  if (read.partialTail) skip(report, 'a last line still being written');
  if (records.length === 0) {
    const withoutInput = report.skipped['OPA events without input (no agent or tool)'] ?? 0;
    throw new SourceFileError(
      withoutInput > 0
        ? `${file}: its ${withoutInput} OPA decision events carry no input (regent logs it only with REGENT_DECISION_LOG_INPUTS), so they name no agent or tool; nothing can be drafted`
        : `${file} holds no decision: neither regent decision lines (message "decision", REGENT_DECISION_LOG=true) nor OPA decision-log events for ${DECISION_PATH}`,
    );
  }
  describeGaps(report, records);
  return { records, report };
}

function toRecord(
  item: Obj,
  where: Where,
  report: SourceReport,
  bad: (where: Where, what: string) => never,
): ObservedRecord | null {
  if (item['message'] === 'decision') return regentLine(item, where, bad);
  const message = item['message'] ?? item['msg'];
  if ('decision_id' in item && 'path' in item && (message === undefined || message === OPA_MESSAGE))
    return opaEvent(item, where, report, bad);
  skip(report, 'other log lines');
  return null;
}

function timeOf(value: unknown, where: Where, bad: (where: Where, what: string) => never): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) bad(where, 'a decision without a valid timestamp');
  return new Date(Date.parse(value)).toISOString();
}

/** One of regent's decision lines. */
function regentLine(line: Obj, where: Where, bad: (where: Where, what: string) => never): ObservedRecord {
  for (const field of ['decision_id', 'agent_id', 'tool', 'kind'])
    if (!isStr(line[field])) bad(where, `a decision line without a valid ${field}`);
  if (!DECISIONS.includes(line['decision'] as string)) bad(where, 'a decision line without a valid decision');
  const reasons = line['reason_codes'] === undefined ? [] : strings(line['reason_codes']);
  if (reasons === null) bad(where, 'a decision line whose reason_codes are not strings');
  const input = line['input'];
  const record: ObservedRecord = {
    decision_id: line['decision_id'] as string,
    time: timeOf(line['timestamp'], where, bad),
    agent: { id: line['agent_id'] as string, on_behalf_of: isStr(line['on_behalf_of']) ? line['on_behalf_of'] : null },
    session: isStr(line['session_id']) ? { id: line['session_id'], step: 0 } : null,
    tool: line['tool'] as string,
    kind: line['kind'] as string,
    decision: line['decision'] as ObservedRecord['decision'],
    reason_codes: reasons,
    data_flow: { resource: null, sources: [], destination: null },
    source: isObj(input) ? FORMS.regentInput : FORMS.regentBare,
  };
  const observed = line['observed'];
  if (isObj(observed) && ['deny', 'redact', 'escalate'].includes(observed['decision'] as string))
    record.observed = {
      decision: observed['decision'] as 'deny' | 'redact' | 'escalate',
      reason_codes: strings(observed['reason_codes']) ?? [],
    };
  // Lines carry `phase` since regent logs it (a result-phase step); older lines without an input
  // cannot tell a result check from the read itself, which stays a gap.
  if (line['phase'] === 'result' || (isObj(input) && input['phase'] === 'result')) record.phase = 'result';
  if (isObj(input)) record.data_flow = flowOf(input);
  else record.gaps = line['phase'] === 'result' ? ['data_flow'] : ['data_flow', 'phase'];
  return record;
}

/** One OPA decision-log event; null (counted) when it is not one of regent's decisions or carries no input. */
function opaEvent(
  event: Obj,
  where: Where,
  report: SourceReport,
  bad: (where: Where, what: string) => never,
): ObservedRecord | null {
  if (!isStr(event['decision_id'])) bad(where, 'an OPA decision event without a valid decision_id');
  const path = String(event['path'])
    .replace(/^\/?(data[./])?/, '')
    .replaceAll('.', '/');
  if (path !== DECISION_PATH) {
    skip(report, `OPA events for other paths than ${DECISION_PATH}`);
    return null;
  }
  const result = event['result'];
  if (!isObj(result) || !DECISIONS.includes(result['decision'] as string)) {
    skip(report, 'OPA events without a decision in result');
    return null;
  }
  const input = event['input'];
  if (!isObj(input)) {
    skip(report, 'OPA events without input (no agent or tool)');
    return null;
  }
  const agent = isObj(input['agent']) ? input['agent'] : {};
  const action = isObj(input['action']) ? input['action'] : {};
  if (!isStr(agent['id']) || !isStr(action['tool']) || !isStr(action['kind']))
    bad(where, 'an OPA decision event whose input has no agent.id, action.tool or action.kind');
  const principal = isObj(agent['on_behalf_of']) ? agent['on_behalf_of']['id'] : undefined;
  const session = isObj(input['session']) ? input['session']['id'] : undefined;
  const reasons = Array.isArray(result['reasons'])
    ? result['reasons'].flatMap((r: unknown) => (isObj(r) && isStr(r['code']) ? [r['code']] : []))
    : [];
  const record: ObservedRecord = {
    decision_id: event['decision_id'],
    time: timeOf(event['timestamp'], where, bad),
    agent: { id: agent['id'], on_behalf_of: isStr(principal) ? principal : null },
    session: isStr(session) ? { id: session, step: 0 } : null,
    tool: action['tool'],
    kind: action['kind'],
    decision: result['decision'] as ObservedRecord['decision'],
    reason_codes: reasons,
    data_flow: flowOf(input),
    source: FORMS.opa,
    gaps: ['observe_mode'],
  };
  if (input['phase'] === 'result') record.phase = 'result';
  return record;
}

/** The data flow of a policy input, as the audit record keeps it (with the destination's id). */
function flowOf(input: Obj): ObservedRecord['data_flow'] {
  const { resource, sources, destination } = dataFlowSummary(input);
  if (destination !== null) {
    const flow = isObj(input['data_flow']) ? input['data_flow'] : {};
    const id = isObj(flow['destination']) ? flow['destination']['id'] : undefined;
    destination.id = isStr(id) ? id.slice(0, 256) : null;
  }
  return { resource, sources, destination };
}
