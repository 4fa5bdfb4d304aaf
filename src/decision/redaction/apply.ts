/**
 * Applies a policy's redactions to a payload: every value a JSON-pointer pattern names becomes
 * {@link REDACTION_MARKER}, in a deep copy. Then the redaction is made to hold: any other string
 * (or object key, or number) that still contains a removed value is masked too, so a salary
 * removed from `/payload/salary` does not survive inside `/payload/text`. Applying the same
 * redactions to the result changes nothing (the removed values are then markers, not data).
 */
import { RedactionPathError } from './errors.ts';
import { defineOwn, isJsonObject, type JsonObject } from './json-value.ts';
import { DEFAULT_MAX_MATCHES, MIN_VISIT_BUDGET, matchPattern, type PathMatch } from './match.ts';
import { createMultiMatcher, maskRanges, type MultiMatcher } from './multi-match.ts';
import { PAYLOAD_ROOT, escapeSegment, parsePathPattern, type PathPattern } from './pointer.ts';

/** What replaces a redacted value, and masks a removed value found elsewhere. */
export const REDACTION_MARKER = '[REDACTED]';

/** Shortest removed string that is also masked elsewhere; shorter ones would mask ordinary words. */
export const MIN_PROPAGATED_LENGTH = 4;

/** Fewest digits a removed number needs before its decimal text is masked elsewhere. */
export const MIN_PROPAGATED_DIGITS = 4;

/** One redaction as the policy asks for it (docs/policy-contract.md). */
export interface RedactionRequest {
  path: string;
  reason: string;
}

/** A concrete value that was redacted, and the reason of the first redaction that named it. */
export interface AppliedRedaction {
  path: string;
  reason: string;
}

/** The result of {@link applyRedactions}. */
export interface RedactionOutcome {
  /** A deep copy of the payload with the redactions applied; the input is untouched. */
  payload: unknown;
  /** Every concrete path replaced by the marker, in the order the redactions named them. */
  applied: AppliedRedaction[];
  /** Redactions whose path matched nothing; not an error (the field may simply be absent). */
  unmatched: RedactionRequest[];
  /** Paths of other values (or of objects whose keys) were masked because they held a removed value. */
  propagated: string[];
}

/** Limits and extras for {@link applyRedactions}. */
export interface ApplyOptions {
  /** Most distinct concrete paths all redactions together may match; more throws (fail closed). */
  maxMatches?: number;
  /** Root the paths start with; `/payload` unless the payload is embedded elsewhere. */
  root?: string;
  /** Values removed by other means (masked detector findings) that must not survive elsewhere either. */
  alsoRemove?: Iterable<string>;
}

interface Trie {
  hit: boolean;
  children: Map<string, Trie>;
}

/** Redacts `payload` (the value of `input.payload`) as `redactions` ask; throws typed errors on malformed paths or fan-out. */
export function applyRedactions(
  payload: unknown,
  redactions: readonly RedactionRequest[],
  options: ApplyOptions = {},
): RedactionOutcome {
  const root = options.root ?? PAYLOAD_ROOT;
  const limit = options.maxMatches ?? DEFAULT_MAX_MATCHES;
  // Parse everything first: one malformed path rejects the whole set before any work is done.
  const parsed: { redaction: RedactionRequest; pattern: PathPattern }[] = redactions.map((redaction) => {
    if (redaction === null || typeof redaction !== 'object')
      throw new RedactionPathError(String(redaction), 'a redaction must be an object');
    return { redaction, pattern: parsePathPattern(redaction.path, root) };
  });
  const seen = new Map<string, PathMatch>();
  const applied: AppliedRedaction[] = [];
  const unmatched: RedactionRequest[] = [];
  const trie: Trie = { hit: false, children: new Map() };
  const removed = new Set<string>(options.alsoRemove ?? []);
  const recorded = new Set<string>();
  const work = { visits: Math.max(MIN_VISIT_BUDGET, 100 * limit) };
  const byPath = new Map<string, PathMatch[]>(); // a path named twice is walked once
  for (const { redaction, pattern } of parsed) {
    const matches = byPath.get(redaction.path) ?? matchPattern(payload, pattern, seen, limit, root, work);
    byPath.set(redaction.path, matches);
    if (matches.length === 0) unmatched.push({ path: redaction.path, reason: redaction.reason });
    for (const match of matches) {
      if (recorded.has(match.pointer)) continue; // an earlier redaction already named it
      recorded.add(match.pointer);
      applied.push({ path: match.pointer, reason: redaction.reason });
      insert(trie, match.segments);
      collectRemovedValues(match.value, removed);
    }
  }
  removed.delete(REDACTION_MARKER);
  const matcher = createMultiMatcher([...removed].filter((v) => v.length >= MIN_PROPAGATED_LENGTH));
  const propagated: string[] = [];
  const copy = copyRedacted(payload, trie, matcher, root, propagated);
  return { payload: copy, applied, unmatched, propagated };
}

function insert(trie: Trie, segments: readonly string[]): void {
  let node = trie;
  for (const s of segments) {
    let child = node.children.get(s);
    if (child === undefined) node.children.set(s, (child = { hit: false, children: new Map() }));
    node = child;
  }
  node.hit = true;
}

/** The texts under which a removed number may reappear: `85000` and `85,000`. */
export function numberTexts(n: number): string[] {
  const text = String(Math.abs(n));
  let digits = 0;
  for (const c of text) if (c >= '0' && c <= '9') digits++;
  if (digits < MIN_PROPAGATED_DIGITS) return [];
  if (!/^[0-9]+$/.test(text)) return [text];
  return [text, text.replace(/\B(?=(?:[0-9]{3})+$)/g, ',')];
}

/** Adds to `into` every text in `value` that must not survive elsewhere: strings, numbers and object keys alike. */
export function collectRemovedValues(value: unknown, into: Set<string>): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') into.add(v);
    else if (typeof v === 'number') for (const t of numberTexts(v)) into.add(t);
    else if (Array.isArray(v)) for (const item of v as unknown[]) stack.push(item);
    else if (isJsonObject(v)) {
      for (const key of Object.keys(v)) {
        into.add(key);
        stack.push(v[key]);
      }
    }
  }
}

interface Frame {
  src: unknown[] | JsonObject;
  dst: unknown[] | JsonObject;
  node: Trie | undefined;
  pointer: string;
}

// Iterative so a deeply nested payload cannot overflow the stack.
function copyRedacted(
  payload: unknown,
  trie: Trie,
  matcher: MultiMatcher,
  root: string,
  propagated: string[],
): unknown {
  const stack: Frame[] = [];
  const copyOne = (src: unknown, node: Trie | undefined, pointer: string): unknown => {
    if (node?.hit === true) return REDACTION_MARKER;
    if (typeof src === 'string') return maskText(src, pointer);
    if (typeof src === 'number') return maskNumber(src, pointer);
    if (Array.isArray(src)) return push(src, new Array<unknown>(src.length), node, pointer);
    if (isJsonObject(src)) return push(src, {}, node, pointer);
    return src;
  };
  const push = (src: unknown[] | JsonObject, dst: unknown[] | JsonObject, node: Trie | undefined, pointer: string) => {
    stack.push({ src, dst, node, pointer });
    return dst;
  };
  // A number whose digits contain a removed value becomes the marker: it cannot be partly masked.
  const maskNumber = (n: number, pointer: string): unknown => {
    if (matcher.empty || matcher.ranges(String(Math.abs(n))).length === 0) return n;
    propagated.push(pointer);
    return REDACTION_MARKER;
  };
  const maskText = (text: string, pointer: string): string => {
    if (matcher.empty) return text;
    const masked = maskRanges(text, matcher.ranges(text), REDACTION_MARKER);
    if (masked !== text) propagated.push(pointer);
    return masked;
  };
  const result = copyOne(payload, trie, root);
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { src, dst, node, pointer } = frame;
    if (Array.isArray(src)) {
      const out = dst as unknown[];
      for (let i = 0; i < src.length; i++) out[i] = copyOne(src[i], node?.children.get(String(i)), `${pointer}/${i}`);
      continue;
    }
    const out = dst as JsonObject;
    for (const key of Object.keys(src)) {
      const value = copyOne(src[key], node?.children.get(key), `${pointer}/${escapeSegment(key)}`);
      // A key that holds a removed value is data too; a collision after masking keeps both entries.
      const masked = maskText(key, pointer);
      let name = masked;
      for (let n = 2; Object.hasOwn(out, name); n++) name = `${masked}#${n}`;
      defineOwn(out, name, value);
    }
  }
  return result;
}
