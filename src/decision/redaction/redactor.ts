/**
 * The redaction side of a decision, as the decision service uses it: `detect` feeds
 * `input.detected`, `redact` applies the policy's redactions. A redaction with `types` masks
 * only those detector findings inside the strings under its path (`[REDACTED:email]`); one
 * without replaces the whole value. A redaction that names an object member whose key holds a
 * finding (of its `types`, or of any type without them) replaces the whole member by
 * `"[REDACTED:<type>]": "[REDACTED]"`: a secret in a key usually comes with the value tied to it.
 * Either way the removed text is then masked wherever else it still occurs in the payload. Every failure is a typed error the caller turns into a deny.
 */
import { applyRedactions, collectRemovedValues } from './apply.ts';
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
      // An empty `types` would mask nothing; it fails safe, as a redaction of the whole value.
      const isTyped = (r: PolicyRedaction) => r.types !== undefined && r.types.length > 0;
      const typed = redactions.filter(isTyped);
      const whole = redactions.filter((r) => !isTyped(r)).map((r) => ({ path: r.path, reason: r.reason }));
      const findings = [
        ...(typed.length > 0 ? typedFindings(payload, typed, detectOptions, maxMatches) : []),
        ...keyFindings(payload, whole, detectOptions, maxMatches),
      ];
      let current = payload;
      const removed = new Set<string>();
      const renamed = new Map<string, string>();
      if (findings.length > 0) {
        for (const f of findings) {
          if (f.in === 'key') {
            // The member goes whole: its key, and everything in its value, must not survive elsewhere.
            const key = parseConcretePath(f.path).at(-1) ?? '';
            removed.add(key).add(key.slice(f.start, f.end));
            collectRemovedValues(valueAt(payload, f.path), removed);
          } else removed.add(stringAt(payload, f.path).slice(f.start, f.end));
        }
        current = maskFindings(payload, findings, PAYLOAD_ROOT, (from, to) => renamed.set(from, to));
      }
      // Paths through a renamed member hold the removed key: report the member's new name instead.
      const applied: string[] = [];
      for (const f of findings) if (f.in !== 'key' && !underRenamed(f.path, renamed)) applied.push(f.path);
      applied.push(...renamed.values());
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
    const options = { ...detectOptions, types: types.filter(isDetectorType) };
    const keyScans = new Map<string, ScanResult>();
    for (const match of matchPattern(payload, parsePathPattern(r.path), seen, maxMatches, PAYLOAD_ROOT, work)) {
      const scan = scanPayload(match.value, match.pointer, options);
      if (scan.truncated) throw new ScanIncompleteError(match.pointer);
      // The path names a member: a match in the member's own key counts too (the policy redacts
      // a key finding by naming the member, or every member of its object with `*`).
      const own = match.inObject ? ownKeyFindings(match, options, keyScans) : [];
      for (const f of [...own, ...scan.findings])
        byKey.set(`${f.path}\u0000${f.in ?? ''}\u0000${f.start}\u0000${f.end}`, f);
    }
  }
  return [...byKey.values()];
}

// A whole-value redaction of a member whose key holds a finding of any type takes the key too:
// replacing only the value would leave the secret in the key.
function keyFindings(
  payload: unknown,
  whole: readonly { path: string }[],
  detectOptions: DetectOptions,
  maxMatches: number,
): Finding[] {
  const seen = new Map<string, PathMatch>();
  const work = { visits: Math.max(MIN_VISIT_BUDGET, 100 * maxMatches) };
  const out: Finding[] = [];
  const keyScans = new Map<string, ScanResult>();
  for (const r of whole) {
    for (const match of matchPattern(payload, parsePathPattern(r.path), seen, maxMatches, PAYLOAD_ROOT, work)) {
      if (match.inObject) out.push(...ownKeyFindings(match, detectOptions, keyScans));
    }
  }
  return out;
}

/**
 * The findings in the key of the member `match` names. A redaction of every row's `salary` (a `*`
 * in its path) names the same key in every row: what a key holds does not depend on where it
 * stands (and each scan of one text has the same limits), so each key text is scanned once per
 * `scans` (one set of options), and its findings are placed at each member.
 */
function ownKeyFindings(match: PathMatch, options: DetectOptions, scans: Map<string, ScanResult>): Finding[] {
  const key = match.segments.at(-1) ?? '';
  let scan = scans.get(key);
  if (scan === undefined) {
    scan = scanPayload(key, '', options);
    scans.set(key, scan);
  }
  if (scan.truncated) throw new ScanIncompleteError(match.pointer);
  return scan.findings.map((f) => ({ ...f, path: match.pointer, in: 'key' as const }));
}

function underRenamed(path: string, renamed: ReadonlyMap<string, string>): boolean {
  for (let i = path.length; i > 0; i = path.lastIndexOf('/', i - 1)) if (renamed.has(path.slice(0, i))) return true;
  return false;
}

function valueAt(payload: unknown, path: string): unknown {
  let current = payload;
  for (const segment of parseConcretePath(path)) current = childOf(current, segment).value;
  return current;
}

function stringAt(payload: unknown, path: string): string {
  const value = valueAt(payload, path);
  return typeof value === 'string' ? value : '';
}
