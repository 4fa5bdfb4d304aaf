/**
 * regex.globs_match: a port of github.com/yashtewari/glob-intersection v0.2.0 (`gintersect`), the
 * library OPA answers it with (`gintersect.NonEmpty`), since no JavaScript port exists. Its glob
 * dialect: `.` any character, `[...]` a set with `a-z` ranges, `+` / `*` after a token, `\`
 * escaping the next character; everything else is literal. Ported function by function (tokenize,
 * simplify, trimGlobs, intersectNormal/Special/Plus/Star, Match), with the library's error texts
 * (OPA's conformance cases check one). Characters are code points, as Go's `[]rune`. Tested on the
 * library's own non_empty_test.go cases, OPA's globsmatch cases and generated pairs against
 * `opa eval` (test/policy/builtins-globs-match.test.ts).
 */
import { BuiltinError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';

const Kind = { Character: 0, Dot: 1, Set: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
const Flag = { None: 0, Plus: 1, Star: 2 } as const;
type Flag = (typeof Flag)[keyof typeof Flag];

/** One glob token (mutable flag, as the Go library's Simplify changes it in place). */
interface Token {
  readonly kind: Kind;
  flag: Flag;
  readonly rune?: string;
  readonly runes?: ReadonlySet<string>;
}

class GlobSyntaxError extends Error {}

function invalid(input: readonly string[], index: number, message: string): GlobSyntaxError {
  return new GlobSyntaxError(`input:${input.join('')}, pos:${index}, ${message}: the input provided is invalid`);
}

type RuneStep = { end: true; index: number } | { end: false; index: number; r: string; escaped: boolean };

function nextRune(index: number, input: readonly string[]): RuneStep {
  if (index >= input.length) return { end: true, index };
  if (input[index] === '\\') {
    if (index < input.length - 1) return { end: false, index: index + 2, r: input[index + 1] ?? '', escaped: true };
    throw invalid(input, index, 'input ends with a \\ (escape) character');
  }
  return { end: false, index: index + 1, r: input[index] ?? '', escaped: false };
}

const cp = (r: string): number => r.codePointAt(0) ?? 0;

function nextTokenSet(start: number, input: readonly string[]): { index: number; token: Token } {
  const runes = new Set<string>();
  let prev = '';
  let prevExists = false;
  let step = nextRune(start, input);
  while (!step.end) {
    let index = step.index;
    if (!step.escaped && step.r === '-') {
      if (!prevExists) throw invalid(input, index, "range character '-' must be preceded by a Unicode character");
      if (index >= input.length - 1)
        throw invalid(input, index, "range character '-' must be followed by a Unicode character");
      const to = nextRune(index, input);
      if (to.end) throw invalid(input, index, "range character '-' must be followed by a Unicode character");
      index = to.index;
      if (!to.escaped && (to.r === ']' || to.r === '-'))
        throw invalid(input, index, "range character '-' cannot be followed by a special symbol");
      if (cp(to.r) < cp(prev))
        throw invalid(input, index, `range is out of order: '${to.r}' comes before '${prev}' in Unicode`);
      for (let x = cp(prev); x <= cp(to.r); x++) runes.add(String.fromCodePoint(x));
      prevExists = false;
    } else if (!step.escaped && step.r === ']') {
      return { index, token: { kind: Kind.Set, flag: Flag.None, runes } };
    } else {
      runes.add(step.r);
      prev = step.r;
      prevExists = true;
    }
    step = nextRune(index, input);
  }
  throw invalid(input, step.index, 'found [ without matching ]');
}

function nextFlag(index: number, input: readonly string[]): { index: number; flag: Flag } {
  const step = nextRune(index, input);
  if (step.end || step.escaped) return { index, flag: Flag.None };
  if (step.r === '+') return { index: step.index, flag: Flag.Plus };
  if (step.r === '*') return { index: step.index, flag: Flag.Star };
  return { index, flag: Flag.None };
}

/** The library's Tokenize. */
function tokenize(input: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  for (;;) {
    const step = nextRune(index, input);
    if (step.end) return tokens;
    index = step.index;
    let token: Token;
    if (!step.escaped && step.r === '.') token = { kind: Kind.Dot, flag: Flag.None };
    else if (!step.escaped && step.r === ']') throw invalid(input, index, "set-close ']' with no preceding '['");
    else if (!step.escaped && step.r === '[') ({ index, token } = nextTokenSet(index, input));
    else if (!step.escaped && (step.r === '+' || step.r === '*'))
      throw invalid(input, index, `flag '${step.r}' must be preceded by a non-flag`);
    else token = { kind: Kind.Character, flag: Flag.None, rune: step.r };
    const flagged = nextFlag(index, input);
    index = flagged.index;
    token.flag = flagged.flag;
    tokens.push(token);
  }
}

function equal(a: Token, b: Token): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === Kind.Character) return a.rune === b.rune;
  if (a.kind === Kind.Dot) return true;
  const r1 = a.runes ?? new Set<string>();
  const r2 = b.runes ?? new Set<string>();
  return r1.size === r2.size && [...r1].every((r) => r2.has(r));
}

/** The library's Simplify: adjacent equal flagged tokens merge (`a*a+` is `a+`). */
function simplify(tokens: Token[]): Token[] {
  if (tokens.length === 0) return tokens;
  const first = tokens[0] as Token;
  const simple: Token[] = [first];
  let latest = first;
  for (const t of tokens.slice(1)) {
    if (t.flag !== Flag.None && latest.flag !== Flag.None && equal(t, latest)) {
      latest.flag = t.flag === Flag.Plus || latest.flag === Flag.Plus ? Flag.Plus : Flag.Star;
      continue;
    }
    latest = t;
    simple.push(t);
  }
  return simple;
}

/** The library's Match: could the two tokens stand for the same character? */
function match(t1: Token, t2: Token): boolean {
  const [a, b] = t1.kind > t2.kind ? [t2, t1] : [t1, t2];
  if (a.kind === Kind.Character) {
    if (b.kind === Kind.Character) return a.rune === b.rune;
    if (b.kind === Kind.Dot) return true;
    return b.runes?.has(a.rune ?? '') ?? false;
  }
  if (a.kind === Kind.Dot) return true;
  for (const r of a.runes ?? []) if (b.runes?.has(r) === true) return true;
  return false;
}

function at(g: readonly Token[], i: number): Token {
  return g[i] as Token;
}

function trimGlobs(g1: Token[], g2: Token[]): [Token[], Token[]] | undefined {
  let l = 0;
  for (; l < g1.length && l < g2.length && at(g1, l).flag === Flag.None && at(g2, l).flag === Flag.None; l++)
    if (!match(at(g1, l), at(g2, l))) return undefined;
  if (l > 0) l--;
  let r1 = g1.length - 1;
  let r2 = g2.length - 1;
  for (
    ;
    r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && at(g1, r1).flag === Flag.None && at(g2, r2).flag === Flag.None;
    r1--, r2--
  )
    if (!match(at(g1, r1), at(g2, r2))) return undefined;
  if (r1 < g1.length - 1) {
    r1++;
    r2++;
  }
  return [g1.slice(l, r1 + 1), g2.slice(l, r2 + 1)];
}

function intersectNormal(g1: Token[], g2: Token[]): boolean {
  let i = 0;
  let j = 0;
  for (; i < g1.length && j < g2.length; i++, j++) {
    if (at(g1, i).flag === Flag.None && at(g2, j).flag === Flag.None) {
      if (!match(at(g1, i), at(g2, j))) return false;
    } else {
      return intersectSpecial(g1.slice(i), g2.slice(j));
    }
  }
  return i === g1.length && j === g2.length;
}

function intersectSpecial(g1: Token[], g2: Token[]): boolean {
  const [flagged, other] = at(g1, 0).flag !== Flag.None ? [g1, g2] : [g2, g1];
  const flag = at(flagged, 0).flag;
  if (flag === Flag.Plus) return intersectPlus(flagged, other);
  if (flag === Flag.Star) return intersectStar(flagged, other);
  return false;
}

function intersectPlus(plussed: Token[], other: Token[]): boolean {
  // Go indexes other[0] here; an empty other panics there and is recovered by OPA as an error.
  if (other.length === 0) throw new Error('glob intersection: index out of range');
  if (!match(at(plussed, 0), at(other, 0))) return false;
  if (intersectStar(plussed, other.slice(1))) return true;
  return at(other, 0).flag !== Flag.None && intersectNormal(plussed.slice(1), other);
}

function intersectStar(starred: Token[], other: Token[]): boolean {
  const starToken = at(starred, 0);
  const next = starred.length > 1 ? at(starred, 1) : undefined;
  for (const [i, t] of other.entries()) {
    if (next !== undefined && match(t, next)) {
      if (intersectNormal(starred.slice(1), other.slice(i))) return true;
      if (!match(t, starToken)) return false;
    } else if (!match(t, starToken)) {
      return false;
    }
  }
  return next === undefined;
}

/** gintersect.NonEmpty: whether some string matches both globs; throws on a malformed glob. */
export function globsIntersect(lhs: string, rhs: string): boolean {
  const g1 = simplify(tokenize(Array.from(lhs)));
  const g2 = simplify(tokenize(Array.from(rhs)));
  const trimmed = trimGlobs(g1, g2);
  return trimmed !== undefined && intersectNormal(...trimmed);
}

function globsMatch(_context: BuiltinContext, glob1: unknown, glob2: unknown): BuiltinValue {
  const a = stringOperand(glob1, 1);
  const b = stringOperand(glob2, 2);
  try {
    return globsIntersect(a, b);
  } catch (err) {
    throw new BuiltinError('regex.globs_match', err instanceof Error ? err.message : String(err));
  }
}

/** regex.globs_match, by OPA name. */
export const GLOBS_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'regex.globs_match': { impl: globsMatch, arity: 2 },
};
