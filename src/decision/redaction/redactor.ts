/**
 * The redaction side of a decision, as the decision service uses it: `detect` feeds
 * `input.detected`, `redact` applies the policy's redactions. A redaction with `types` masks
 * only those detector findings inside the strings under its path (`[REDACTED:email]`); one
 * without replaces the whole value. Either way the removed text is then masked wherever else it
 * still occurs in the payload. Every failure is a typed error the caller turns into a deny.
 */
import { applyRedactions } from './apply.ts';
import { RedactionPathError, ScanIncompleteError } from './errors.ts';
import { childOf } from './json-value.ts';
import { DEFAULT_MAX_MATCHES, MIN_VISIT_BUDGET, matchPattern, type PathMatch } from './match.ts';
import { PAYLOAD_ROOT, parseConcretePath, parsePathPattern } from './pointer.ts';
import { scanPayload, toDetected, type DetectOptions, type ScanResult } from './detectors/detect.ts';
import { maskFindings } from './detectors/mask.ts';
import { isDetectorType, type DetectedItem, type Finding } from './detectors/types.ts';

/** A redaction as the policy result carries it; `types` narrows it to detector findings. */
export interface PolicyRedaction {
  path: string;
  reason: string;
  types?: readonly string[];
}

/** Settings for {@link createRedactor}. */
export interface RedactorOptions {
  /** Scan limits and phone regions for the detectors. */
  detect?: DetectOptions;
  /** Most payload values one decision may redact (config `maxRedactionPaths`); more throws. */
  maxMatches?: number;
}

/** Detection and redaction bound to one configuration. */
export interface Redactor {
  /** `input.detected` for a payload: `{type, path}` only. */
  detect(payload: unknown): DetectedItem[];
  /** Findings with offsets, and whether the scan limits cut it short. */
  scan(payload: unknown): ScanResult;
  /** Applies the policy's redactions; `applied` lists concrete paths whose values (or parts) were removed. */
  redact(payload: unknown, redactions: readonly PolicyRedaction[]): { payload: unknown; applied: string[] };
}

/** Builds a {@link Redactor}; options are read once here. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const detectOptions = options.detect ?? {};
  const maxMatches = options.maxMatches ?? DEFAULT_MAX_MATCHES;
  return {
    detect: (payload) => toDetected(scanPayload(payload, PAYLOAD_ROOT, detectOptions).findings),
    scan: (payload) => scanPayload(payload, PAYLOAD_ROOT, detectOptions),
    redact(payload, redactions) {
      const typed = redactions.filter((r) => r.types !== undefined);
      const whole = redactions.filter((r) => r.types === undefined).map((r) => ({ path: r.path, reason: r.reason }));
      let current = payload;
      const removed: string[] = [];
      const applied: string[] = [];
      if (typed.length > 0) {
        const findings = typedFindings(payload, typed, detectOptions, maxMatches);
        for (const f of findings) {
          removed.push(stringAt(payload, f.path).slice(f.start, f.end));
          if (applied[applied.length - 1] !== f.path) applied.push(f.path);
        }
        current = maskFindings(payload, findings);
      }
      const outcome = applyRedactions(current, whole, { maxMatches, alsoRemove: removed });
      return { payload: outcome.payload, applied: [...new Set([...applied, ...outcome.applied.map((a) => a.path)])] };
    },
  };
}

function typedFindings(
  payload: unknown,
  typed: readonly PolicyRedaction[],
  detectOptions: DetectOptions,
  maxMatches: number,
): Finding[] {
  const seen = new Map<string, PathMatch>();
  const work = { visits: Math.max(MIN_VISIT_BUDGET, 100 * maxMatches) };
  const byKey = new Map<string, Finding>();
  for (const r of typed) {
    const types = r.types ?? [];
    const unknown = types.find((t) => !isDetectorType(t));
    if (unknown !== undefined) throw new RedactionPathError(r.path, `unknown detector type ${JSON.stringify(unknown)}`);
    for (const match of matchPattern(payload, parsePathPattern(r.path), seen, maxMatches, PAYLOAD_ROOT, work)) {
      const scan = scanPayload(match.value, match.pointer, { ...detectOptions, types: types.filter(isDetectorType) });
      if (scan.truncated) throw new ScanIncompleteError(match.pointer);
      for (const f of scan.findings) byKey.set(`${f.path}\u0000${f.start}\u0000${f.end}`, f);
    }
  }
  return [...byKey.values()];
}

function stringAt(payload: unknown, path: string): string {
  let current = payload;
  for (const segment of parseConcretePath(path)) current = childOf(current, segment).value;
  return typeof current === 'string' ? current : '';
}
