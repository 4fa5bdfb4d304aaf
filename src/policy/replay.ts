/**
 * Replays recorded decisions against a candidate bundle: what would change if it were active.
 * Reads regent's JSON decision records (written with REGENT_DECISION_LOG_INPUTS, so each carries
 * the policy input minus `payload`), evaluates each input on the candidate, and compares with
 * the recorded decision or with a baseline bundle evaluated on the same inputs. Payload values
 * were never recorded, so rules that look into the payload see none; a baseline evaluated the
 * same way isolates what the candidate itself changes.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { toPolicyDecision } from '../decision/policy-result.ts';
import { DECISION_ENTRYPOINT } from '../decision/decision-service.ts';
import { PolicyEvaluationError } from '../errors/policy-errors.ts';
import { DECISIONS, type DecisionOutcome } from '../observability/metrics.ts';
import type { Bundle } from './bundle/read-bundle.ts';
import { createBuiltins } from './builtins/index.ts';
import { WasmEngine, jsonToInputBuffer } from './wasm-engine.ts';

/** One side's verdict on one input. */
export interface ReplayVerdict {
  decision: DecisionOutcome;
  reason_codes: string[];
}

/** A decision whose outcome would change. */
export interface ChangedDecision {
  decision_id: string;
  baseline: ReplayVerdict;
  candidate: ReplayVerdict;
}

/** What a replay found. */
export interface ReplayReport {
  /** Decision records replayed. */
  replayed: number;
  /** Decision records without an input (logged without REGENT_DECISION_LOG_INPUTS). */
  withoutInput: number;
  /** Lines that were not JSON records. */
  unreadable: number;
  baseline: string;
  candidate: string;
  /** Counts by `baseline->candidate` outcome, all nine pairs present. */
  pairs: Record<string, number>;
  /** Decisions whose outcome changes. */
  changed: number;
  /** Decisions whose outcome stays but whose reason codes change. */
  reasonsChanged: number;
  /** The first `limit` decisions whose outcome changes, in log order. */
  firstChanged: ChangedDecision[];
}

/** An engine that evaluates the decision entrypoint in this thread, failing closed like the live path. */
export class ReplayEngine {
  readonly revision: string;
  private readonly engine: WasmEngine;

  private constructor(revision: string, engine: WasmEngine) {
    this.revision = revision;
    this.engine = engine;
  }

  /** Loads `bundle` with regent's host builtins. */
  static async load(bundle: Bundle, maxMemoryPages = 1024): Promise<ReplayEngine> {
    const engine = await WasmEngine.load(bundle, { maxMemoryPages, builtins: createBuiltins() });
    if (!engine.entrypoints.has(DECISION_ENTRYPOINT))
      throw new Error(`bundle ${bundle.manifest.revision} does not compile ${DECISION_ENTRYPOINT}`);
    return new ReplayEngine(bundle.manifest.revision, engine);
  }

  /** The verdict on one input; an evaluation failure is a deny with its reason code. */
  decide(inputJson: string): ReplayVerdict {
    try {
      const d = toPolicyDecision(this.engine.evaluate(DECISION_ENTRYPOINT, jsonToInputBuffer(inputJson)));
      return { decision: d.decision, reason_codes: d.reasons.map((r) => r.code) };
    } catch (err) {
      return {
        decision: 'deny',
        reason_codes: [err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error'],
      };
    }
  }
}

const isOutcome = (v: unknown): v is DecisionOutcome =>
  typeof v === 'string' && (DECISIONS as readonly string[]).includes(v);
const sameCodes = (a: readonly string[], b: readonly string[]) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((c, i) => c === y[i]);
};

/** Replays every decision record in the JSON-lines file `logFile`; `baseline` undefined compares with what was recorded. */
export async function replayLog(
  logFile: string,
  candidate: ReplayEngine,
  baseline: ReplayEngine | undefined,
  limit = 10,
): Promise<ReplayReport> {
  const report: ReplayReport = {
    replayed: 0,
    withoutInput: 0,
    unreadable: 0,
    baseline: baseline === undefined ? 'recorded' : baseline.revision,
    candidate: candidate.revision,
    pairs: Object.fromEntries(DECISIONS.flatMap((a) => DECISIONS.map((c) => [`${a}->${c}`, 0]))),
    changed: 0,
    reasonsChanged: 0,
    firstChanged: [],
  };
  const lines = createInterface({ input: createReadStream(logFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a record');
      record = parsed as Record<string, unknown>;
    } catch {
      report.unreadable++;
      continue;
    }
    if (record['message'] !== 'decision' || typeof record['decision_id'] !== 'string' || !isOutcome(record['decision']))
      continue;
    const input = record['input'];
    if (input === null || typeof input !== 'object') {
      report.withoutInput++;
      continue;
    }
    const json = JSON.stringify(input);
    const before: ReplayVerdict = baseline?.decide(json) ?? {
      decision: record['decision'],
      reason_codes: Array.isArray(record['reason_codes'])
        ? record['reason_codes'].filter((c): c is string => typeof c === 'string')
        : [],
    };
    const after = candidate.decide(json);
    report.replayed++;
    const pair = `${before.decision}->${after.decision}`;
    report.pairs[pair] = (report.pairs[pair] ?? 0) + 1;
    if (before.decision !== after.decision) {
      report.changed++;
      if (report.firstChanged.length < limit)
        report.firstChanged.push({ decision_id: record['decision_id'], baseline: before, candidate: after });
    } else if (!sameCodes(before.reason_codes, after.reason_codes)) {
      report.reasonsChanged++;
    }
  }
  return report;
}

/** The report as a table for a terminal. */
export function formatReport(r: ReplayReport): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const out: string[] = [];
  out.push(
    `replayed ${r.replayed} decisions (${r.withoutInput} recorded without input, ${r.unreadable} unreadable lines skipped)`,
  );
  out.push(
    `baseline: ${r.baseline === 'recorded' ? 'the recorded decisions' : `revision ${r.baseline}`}; candidate: revision ${r.candidate}`,
  );
  out.push('');
  out.push(`${'baseline \\ candidate'.padEnd(22)}${DECISIONS.map((d) => pad(d, 9)).join('')}`);
  for (const a of DECISIONS)
    out.push(`${a.padEnd(22)}${DECISIONS.map((c) => pad(r.pairs[`${a}->${c}`] ?? 0, 9)).join('')}`);
  out.push('');
  out.push(
    `${r.changed} decisions would change outcome; ${r.reasonsChanged} more would keep their outcome with different reasons`,
  );
  if (r.firstChanged.length > 0) {
    out.push(`first ${r.firstChanged.length} changed:`);
    for (const c of r.firstChanged) {
      out.push(
        `  ${c.decision_id}  ${c.baseline.decision} -> ${c.candidate.decision}  [${c.baseline.reason_codes.join(', ')}] -> [${c.candidate.reason_codes.join(', ')}]`,
      );
    }
  }
  return out.join('\n');
}
