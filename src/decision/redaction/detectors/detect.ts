/**
 * Runs the detectors over every string value and every object key of a payload. A finding in a
 * key carries `in: 'key'` and the pointer of the member the key names. Work is bounded: each
 * string or key is scanned up to `maxStringLength` code units and the payload up to
 * `maxTotalLength`; what lies past a limit is not scanned and {@link scanPayload} says so, so a
 * caller can fail closed.
 * Overlapping findings are resolved by priority (a JWT inside `Bearer ...` is a `jwt`).
 */
import { isJsonObject } from '../json-value.ts';
import { PAYLOAD_ROOT, escapeSegment } from '../pointer.ts';
import { findingMarker } from './mask.ts';
import { DETECTORS } from './registry.ts';
import {
  DETECTOR_TYPES,
  type DetectedItem,
  type Detector,
  type DetectorContext,
  type DetectorType,
  type Finding,
} from './types.ts';

/** Limits and switches for a scan; every field is optional. */
export interface DetectOptions {
  /** Code units scanned per string (default 65,536); the rest of a longer string is not scanned. */
  maxStringLength?: number;
  /** Code units scanned per payload (default 1,048,576); strings past it are not scanned. */
  maxTotalLength?: number;
  /** Most findings reported (default 10,000); scanning stops there. */
  maxFindings?: number;
  /** Regions whose national phone formats count (ISO 3166 alpha-2; default `['US']`). */
  phoneRegions?: readonly string[];
  /** Phone candidates validated per payload (default 500); past it, plausible candidates count as phones. */
  maxPhoneValidations?: number;
  /** Detector types to run (default: all). */
  types?: readonly DetectorType[];
}

/** What {@link scanPayload} found, and whether any text went unscanned. */
export interface ScanResult {
  findings: Finding[];
  /** True when a limit cut the scan short: absence of findings then proves nothing. */
  truncated: boolean;
  /** Code units actually scanned. */
  scannedLength: number;
}

/** Defaults for {@link DetectOptions}. */
export const DETECT_DEFAULTS = {
  maxStringLength: 65_536,
  maxTotalLength: 1_048_576,
  maxFindings: 10_000,
  maxPhoneValidations: 500,
  phoneRegions: ['US'],
} as const;

/** Finds secrets and personal data in every string and key of `payload`; paths start at `basePath`. */
export function detect(payload: unknown, basePath: string = PAYLOAD_ROOT, options: DetectOptions = {}): Finding[] {
  return scanPayload(payload, basePath, options).findings;
}

/** Like {@link detect}, and also reports whether a limit left text unscanned. */
export function scanPayload(
  payload: unknown,
  basePath: string = PAYLOAD_ROOT,
  options: DetectOptions = {},
): ScanResult {
  const maxString = options.maxStringLength ?? DETECT_DEFAULTS.maxStringLength;
  const maxFindings = options.maxFindings ?? DETECT_DEFAULTS.maxFindings;
  let budget = options.maxTotalLength ?? DETECT_DEFAULTS.maxTotalLength;
  const enabled = new Set(options.types ?? DETECTOR_TYPES);
  const detectors = DETECTOR_TYPES.flatMap((t) => {
    const detector = DETECTORS.get(t);
    return enabled.has(t) && detector !== undefined ? [detector] : [];
  });
  const context: DetectorContext = {
    phoneRegions: options.phoneRegions ?? DETECT_DEFAULTS.phoneRegions,
    phoneValidations: { remaining: options.maxPhoneValidations ?? DETECT_DEFAULTS.maxPhoneValidations },
  };
  const findings: Finding[] = [];
  let truncated = false;
  let scannedLength = 0;
  // Payloads are often lists of records: the same keys and many of the same short values, again
  // and again. What one text holds does not depend on where it stands, so a short text is scanned
  // once per payload. (The phone validation budget is spent on the first scan only, so a repeated
  // text keeps its validated answer and the budget lasts for the others.)
  const seen = new Map<string, TypedSpan[]>();
  // Iterative depth-first walk in document order (a key before its value), so deep payloads
  // cannot overflow the stack. Keys are scanned like strings and count against the same limits.
  // A member's pointer is only written out when something is found in it (most hold nothing).
  const root: PathNode = { parent: null, segment: '', path: basePath };
  const stack: { value: unknown; node: PathNode; key?: true }[] = [{ value: payload, node: root }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, node } = item;
    if (typeof value === 'string') {
      if (budget <= 0 || findings.length >= maxFindings) {
        truncated ||= value.length > 0;
        continue;
      }
      const limit = Math.min(maxString, budget);
      const text = value.length > limit ? value.slice(0, limit) : value;
      truncated ||= text.length < value.length;
      budget -= text.length;
      scannedLength += text.length;
      let spans = text.length <= MEMO_TEXT_LENGTH ? seen.get(text) : undefined;
      if (spans === undefined) {
        spans = scanText(text, detectors, context);
        if (text.length <= MEMO_TEXT_LENGTH && seen.size < MEMO_ENTRIES) seen.set(text, spans);
      }
      for (const f of spans) {
        if (findings.length >= maxFindings) {
          truncated = true;
          break;
        }
        const finding: Finding = { type: f.type, path: pathOf(node), start: f.start, end: f.end };
        if (item.key === true) finding.in = 'key';
        findings.push(finding);
      }
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], node: { parent: node, segment: i, path: undefined } });
    } else if (isJsonObject(value)) {
      for (const key of Object.keys(value).reverse()) {
        const member: PathNode = { parent: node, segment: key, path: undefined };
        stack.push({ value: value[key], node: member }, { value: key, node: member, key: true });
      }
    }
  }
  return { findings, truncated, scannedLength };
}

/** A place in the payload: its parent and its key or index; its pointer once written out. */
interface PathNode {
  readonly parent: PathNode | null;
  readonly segment: string | number;
  path: string | undefined;
}

/** The JSON pointer of `node`, written out once (and its ancestors' on the way), without recursion. */
function pathOf(node: PathNode): string {
  const pending: PathNode[] = [];
  let at: PathNode | null = node;
  while (at !== null && at.path === undefined) {
    pending.push(at);
    at = at.parent;
  }
  let path = at?.path ?? '';
  for (let k = pending.length - 1; k >= 0; k--) {
    const n = pending[k] as PathNode;
    path = `${path}/${escapeSegment(n.segment)}`;
    n.path = path;
  }
  return path;
}

/** Texts up to this many code units are scanned once per payload (see scanPayload). */
const MEMO_TEXT_LENGTH = 256;
/** Distinct texts remembered per payload at most. */
const MEMO_ENTRIES = 4096;

/** A detector match inside one text. */
export interface TypedSpan {
  type: DetectorType;
  start: number;
  end: number;
}

/** Scans of one text at most: the original, then the masked text while masking reveals more. */
const MAX_ROUNDS = 6;

/**
 * Runs detectors on one text. Masking can reveal matches the original hid: a marker ends a token
 * that used to run on (`pwd: hunter2hunter2=AIza...` shows its password once the key is masked).
 * So the masked text is scanned again and what is new is added, which makes masking the result
 * idempotent in practice (a property test checks it).
 */
export function scanText(text: string, detectors: readonly Detector[], context: DetectorContext): TypedSpan[] {
  let found = scanOnce(text, detectors, context);
  for (let round = 1; round < MAX_ROUNDS && found.length > 0; round++) {
    const { masked, toOriginal } = maskForRescan(text, found);
    const extra = scanOnce(masked, detectors, context).flatMap(toOriginal);
    if (extra.length === 0) break;
    found = [...found, ...extra].sort((a, b) => a.start - b.start);
  }
  return found;
}

// Detectors run in priority order, each on the text with earlier findings blanked out (same
// length, so offsets hold): a lower-priority detector neither reports nor pays to validate
// what is already taken, and sees the boundaries the masked text will have.
function scanOnce(text: string, detectors: readonly Detector[], context: DetectorContext): TypedSpan[] {
  const found: TypedSpan[] = [];
  let working = text;
  for (const detector of detectors) {
    if (!detector.mayContain(working)) continue;
    const spans = detector.find(working, context);
    if (spans.length === 0) continue;
    let next = '';
    let at = 0;
    for (const span of spans) {
      if (span.start < at || working.slice(span.start, span.end).includes(BLANK)) continue; // never overlap
      found.push({ type: detector.type, start: span.start, end: span.end });
      next += working.slice(at, span.start) + BLANK.repeat(span.end - span.start);
      at = span.end;
    }
    working = next + working.slice(at);
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Fills taken spans; no detector matches it, so it acts as a boundary like a marker's brackets. */
const BLANK = '\u0000';

// Masks sorted, disjoint spans and maps spans of the masked text back to the original. No
// detector matches `[` or `]`, so a new span lies inside one unmasked gap; any other is dropped.
function maskForRescan(text: string, spans: readonly TypedSpan[]) {
  const gaps: { from: number; to: number; at: number }[] = [];
  let masked = '';
  let at = 0;
  for (const s of [...spans, { type: 'email' as const, start: text.length, end: text.length }]) {
    gaps.push({ from: at, to: s.start, at: masked.length });
    masked += text.slice(at, s.start);
    if (s.end > s.start) masked += findingMarker(s.type);
    at = s.end;
  }
  const toOriginal = (span: TypedSpan): TypedSpan[] => {
    // Binary search: the last gap starting at or before the span (gaps are in text order).
    let lo = 0;
    let hi = gaps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((gaps[mid]?.at ?? 0) <= span.start) lo = mid;
      else hi = mid - 1;
    }
    const gap = gaps[lo];
    if (gap === undefined || span.start < gap.at || span.end > gap.at + (gap.to - gap.from)) return [];
    return [{ type: span.type, start: span.start - gap.at + gap.from, end: span.end - gap.at + gap.from }];
  };
  return { masked, toOriginal };
}

/** The policy's view of findings: `{type, path}` (and `in: 'key'`) once each, in first-seen order, no offsets. */
export function toDetected(findings: readonly Finding[]): DetectedItem[] {
  const seen = new Set<string>();
  const out: DetectedItem[] = [];
  for (const f of findings) {
    const key = `${f.type}\u0000${f.path}\u0000${f.in ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f.in === 'key' ? { type: f.type, path: f.path, in: 'key' } : { type: f.type, path: f.path });
  }
  return out;
}
