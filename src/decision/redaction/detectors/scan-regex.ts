/**
 * Runs a global regex over a text and validates each candidate. When a candidate is rejected
 * the scan resumes one code unit after where it started, not after its end, so a bad candidate
 * cannot swallow a real match that begins inside it. Every pattern used this way starts with a
 * lookbehind that only allows token starts and has bounded quantifiers, which keeps the total
 * work linear in the text (bounded work per start, and starts are token boundaries).
 */
import type { Span } from './types.ts';

/** Turns a candidate match into zero or more spans (offsets relative to the text). */
export type Validate = (match: RegExpExecArray, text: string) => Span[];

/**
 * Candidate search with validation; `pattern` must have the `g` flag (and `d` if `validate`
 * reads group indices). With `exhaustive`, `validate` has examined every match that starts
 * inside the candidate, so the scan resumes after it (needed when candidates are unbounded).
 */
export function scanCandidates(
  pattern: RegExp,
  text: string,
  validate: Validate,
  options: { exhaustive?: boolean } = {},
): Span[] {
  const spans: Span[] = [];
  const re = new RegExp(pattern.source, pattern.flags); // private lastIndex: detectors may run re-entrantly
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const found = validate(m, text);
    if (options.exhaustive === true) {
      spans.push(...found);
      continue;
    }
    if (found.length === 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    spans.push(...found);
    re.lastIndex = Math.max(m.index + 1, found.at(-1)?.end ?? 0);
  }
  return spans;
}

/** The span of the whole match. */
export function wholeMatch(m: RegExpExecArray): Span {
  return { start: m.index, end: m.index + m[0].length };
}
