/**
 * regex.find_n and regex.template_match with Go's semantics on re2js (RE2 itself):
 * `FindAllString(s, n)` (non-overlapping leftmost-first matches, an empty match right after a
 * match skipped, n < 0 meaning all) and OPA's `regex_template.go` (literal text quoted with Go's
 * `regexp.QuoteMeta`, each delimited part a group, the whole anchored).
 */
import { BuiltinError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { compileRe2 } from './go-regexp-replace.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { integerOperand, stringOperand } from './operands.ts';

/** Go's `Regexp.FindAllString`: at most `n` matches (all when n < 0). */
export function findAll(pattern: string, src: string, n: number): string[] {
  const out: string[] = [];
  if (n === 0) return out;
  const matcher = compileRe2(pattern).re.matcher(src);
  let pos = 0;
  let prevMatchEnd = -1;
  while (pos <= src.length && (n < 0 || out.length < n)) {
    if (!matcher.find(pos)) break;
    const start = matcher.start();
    const end = matcher.end();
    let accept = true;
    if (end === start) {
      if (start === prevMatchEnd) accept = false;
      const width = start < src.length ? ((src.codePointAt(start) ?? 0) > 0xffff ? 2 : 1) : 1;
      pos = start + width;
    } else {
      pos = end;
    }
    prevMatchEnd = end;
    if (accept) out.push(src.slice(start, end));
  }
  return out;
}

function findN(_context: BuiltinContext, pattern: unknown, value: unknown, count: unknown): BuiltinValue {
  const p = stringOperand(pattern, 1);
  const s = stringOperand(value, 2);
  const n = integerOperand(count, 3);
  return findAll(p, s, n > 2n ** 31n ? -1 : Number(n));
}

const META = new Set('\\.+*?()|[]{}^$');

/** Go's `regexp.QuoteMeta`. */
export function quoteMeta(s: string): string {
  let out = '';
  for (const ch of s) out += META.has(ch) ? `\\${ch}` : ch;
  return out;
}

/** OPA's delimiterIndices: start and end+1 of each top-level delimited part (byte-wise; ASCII delimiters). */
function delimiterIndices(s: string, open: string, close: string): number[] {
  let level = 0;
  let idx = 0;
  const idxs: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === open) {
      if (++level === 1) idx = i;
    } else if (ch === close) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(s)}`);
    }
  }
  if (level !== 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(s)}`);
  return idxs;
}

/** OPA's generateRegexTemplate: the anchored Go pattern a template stands for. */
export function templatePattern(template: string, open: string, close: string): string {
  const idxs = delimiterIndices(template, open, close);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = template.slice(end, idxs[i]);
    end = idxs[i + 1] ?? 0;
    const part = template.slice((idxs[i] ?? 0) + 1, end - 1);
    pattern += `${quoteMeta(raw)}(${part})`;
    compileRe2(`^${part}$`); // each part must be a pattern of its own, as OPA checks
  }
  return `${pattern}${quoteMeta(template.slice(end))}$`;
}

function templateMatch(
  _context: BuiltinContext,
  template: unknown,
  value: unknown,
  start: unknown,
  end: unknown,
): BuiltinValue {
  const t = stringOperand(template, 1);
  const s = stringOperand(value, 2);
  const open = stringOperand(start, 3);
  const close = stringOperand(end, 4);
  const openBytes = Buffer.byteLength(open);
  // OPA's message for a bad end delimiter reports the start delimiter's length (kept as OPA has it).
  if (openBytes !== 1)
    throw new BuiltinError(
      'regex.template_match',
      `start delimiter has to be exactly one character long but is ${openBytes} long`,
    );
  if (Buffer.byteLength(close) !== 1)
    throw new BuiltinError(
      'regex.template_match',
      `end delimiter has to be exactly one character long but is ${openBytes} long`,
    );
  return compileRe2(templatePattern(t, open, close))
    .re.matcher(s)
    .find();
}

/** regex.find_n and regex.template_match, by OPA name. */
export const REGEX_FIND_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'regex.find_n': { impl: findN, arity: 3 },
  'regex.template_match': { impl: templateMatch, arity: 4 },
};
