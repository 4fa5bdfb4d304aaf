/**
 * Go regular expressions (RE2 syntax, as OPA compiles them with `regexp.Compile`) translated to
 * JavaScript RegExps with the `v` flag (replacement: go-regexp-replace.ts). Only the syntax is
 * translated; Go and JavaScript agree on leftmost-first matching for what RE2 allows.
 *
 * Go features mapped by hand: `(?flags)` and `(?flags:re)` for i, m, s and U; `(?P<name>re)`;
 * `\A`, `\z`, `\Q...\E`; ASCII `\d \s \w`; POSIX `[[:alpha:]]`; `\pL`, `\p{Greek}`; octal and
 * `\x{...}` escapes; `.` not matching `\n` without `s`; `^`/`$` at text edges without `m`.
 * Everything RE2 rejects (backreferences, lookaround, bad escapes) is rejected.
 *
 * Known difference, inherent to JavaScript's matcher: in a repeated group, JavaScript resets the
 * group's captures on every iteration and refuses an iteration that matches nothing, where RE2
 * keeps the last capture and accepts it. `(?:(a)|b)+` on "ab" gives $1 = "" here and "a" in
 * OPA; `(x*?)*`-style patterns can choose a different match.
 */
import { OperandError } from './builtin-error.ts';

/** A compiled Go pattern: the JS RegExp and the name of each capture group (index 1..n). */
export interface GoRegExp {
  readonly regexp: RegExp;
  readonly names: readonly string[];
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_REPEAT = 1000;

const cp = (c: number): string => `\\u{${c.toString(16)}}`;

/** Literal code points, escaped so that no JS syntax character survives. */
function literal(c: number): string {
  const ch = String.fromCodePoint(c);
  return /^[A-Za-z0-9_]$/.test(ch) ? ch : cp(c);
}

const RANGE = (lo: number, hi: number): string => `${cp(lo)}-${cp(hi)}`;

/** Contents (without brackets) of Go's Perl and POSIX classes. */
const PERL_CLASSES: Readonly<Record<string, string>> = {
  d: RANGE(0x30, 0x39),
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20].map(cp).join(''),
  w: RANGE(0x30, 0x39) + RANGE(0x41, 0x5a) + RANGE(0x61, 0x7a) + cp(0x5f),
};

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: RANGE(0x30, 0x39) + RANGE(0x41, 0x5a) + RANGE(0x61, 0x7a),
  alpha: RANGE(0x41, 0x5a) + RANGE(0x61, 0x7a),
  ascii: RANGE(0, 0x7f),
  blank: cp(0x09) + cp(0x20),
  cntrl: RANGE(0, 0x1f) + cp(0x7f),
  digit: RANGE(0x30, 0x39),
  graph: RANGE(0x21, 0x7e),
  lower: RANGE(0x61, 0x7a),
  print: RANGE(0x20, 0x7e),
  punct: RANGE(0x21, 0x2f) + RANGE(0x3a, 0x40) + RANGE(0x5b, 0x60) + RANGE(0x7b, 0x7e),
  space: [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20].map(cp).join(''),
  upper: RANGE(0x41, 0x5a),
  word: RANGE(0x30, 0x39) + RANGE(0x41, 0x5a) + RANGE(0x61, 0x7a) + cp(0x5f),
  xdigit: RANGE(0x30, 0x39) + RANGE(0x41, 0x46) + RANGE(0x61, 0x66),
};

class Translator {
  private pos = 0;
  readonly names: string[] = [''];
  private readonly chars: number[];

  private readonly pattern: string;
  /** Whether the pattern switches case-insensitivity on anywhere (see wrapCase). */
  private readonly mixedCase: boolean;

  constructor(pattern: string) {
    this.pattern = pattern;
    this.mixedCase = /\(\?[a-zA-Z]*i/.test(pattern);
    this.chars = Array.from(pattern, (ch) => ch.codePointAt(0) ?? 0);
  }

  fail(reason: string): never {
    throw new OperandError(`error parsing regexp: ${reason}: \`${this.pattern}\``);
  }

  private peek(offset = 0): number | undefined {
    return this.chars[this.pos + offset];
  }

  private peekChar(offset = 0): string {
    const c = this.peek(offset);
    return c === undefined ? '' : String.fromCodePoint(c);
  }

  private next(): number {
    const c = this.chars[this.pos++];
    if (c === undefined) this.fail('unexpected end of pattern');
    return c;
  }

  translate(): string {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const out = this.alternation(flags, 0);
    if (this.pos < this.chars.length) this.fail('unexpected )');
    return out;
  }

  /**
   * Parses until an unmatched ')' or the end; `depth` > 0 inside a group. As in Go's parser, a
   * repetition applies to the last operand even across a flag group (`a(?i)*` is `a*`), and
   * only directly consecutive repetitions are an error (`a**`).
   */
  private alternation(flags: Flags, depth: number): string {
    const branches: string[] = [];
    let current = '';
    let operand: string | undefined;
    let lastWasRepeat = false;
    const local: Flags = { ...flags };
    while (this.pos < this.chars.length) {
      const c = this.peekChar();
      if (c === ')') {
        if (depth === 0) this.fail('unexpected )');
        break;
      }
      if (c === '|') {
        this.pos++;
        branches.push(current + (operand ?? ''));
        current = '';
        operand = undefined;
        lastWasRepeat = false;
        continue;
      }
      const quantifier = this.quantifier(local);
      if (quantifier !== undefined) {
        if (operand === undefined) this.fail('missing argument to repetition operator');
        if (lastWasRepeat) this.fail('invalid nested repetition operator');
        operand = `(?:${operand})${quantifier}`;
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      // A flag group or an empty \Q\E yields no operand; \Qab\E yields one per character.
      for (const atom of this.atom(local, depth)) {
        if (operand !== undefined) current += operand;
        operand = atom;
      }
    }
    branches.push(current + (operand ?? ''));
    return branches.join('|');
  }

  /** A quantifier at the cursor (consumed), in JS syntax, or undefined. */
  private quantifier(flags: Flags): string | undefined {
    const c = this.peekChar();
    let base: string;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      base = c;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.offsetOf(this.pos)));
      if (m === null) return undefined;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3]);
      if (min > MAX_REPEAT || (max !== undefined && (max > MAX_REPEAT || max < min))) this.fail('invalid repeat count');
      this.pos += Array.from(m[0]).length;
      base = m[0];
    } else {
      return undefined;
    }
    let lazy = false;
    if (this.peekChar() === '?') {
      this.pos++;
      lazy = true;
    }
    return flags.U !== lazy ? `${base}?` : base;
  }

  private offsetOf(index: number): number {
    let offset = 0;
    for (let i = 0; i < index; i++) offset += (this.chars[i] ?? 0) > 0xffff ? 2 : 1;
    return offset;
  }

  /**
   * Case-insensitive atoms are wrapped in `(?i:...)`. When the pattern has any, case-sensitive
   * atoms are wrapped in `(?-i:...)` too: V8 13.6 (Node 24) otherwise lets a `(?i:...)` group
   * make later character classes case-insensitive in v mode (`(?i:x)|[a-c]` matches "B").
   */
  private wrapCase(text: string, flags: Flags): string {
    if (flags.i) return `(?i:${text})`;
    return this.mixedCase ? `(?-i:${text})` : text;
  }

  /** The operands the next token yields: usually one; none for a flag group; one per \Q...\E character. */
  private atom(flags: Flags, depth: number): string[] {
    const c = this.next();
    switch (String.fromCodePoint(c)) {
      case '(': {
        const group = this.group(flags, depth);
        return group === undefined ? [] : [group];
      }
      case '[':
        return [this.wrapCase(`[${this.classBody()}]`, flags)];
      case '.':
        return [this.wrapCase(flags.s ? `[${RANGE(0, 0x10ffff)}]` : `[^${cp(0x0a)}]`, { ...flags, i: false })];
      case '^':
        return [flags.m ? `(?<![^${cp(0x0a)}])` : '^'];
      case '$':
        return [flags.m ? `(?![^${cp(0x0a)}])` : '$'];
      case '\\':
        return this.escapeOutsideClass(flags);
      default:
        return [this.wrapCase(literal(c), flags)];
    }
  }

  private group(flags: Flags, depth: number): string | undefined {
    if (this.peekChar() !== '?') {
      this.names.push('');
      return `(${this.groupBody(flags, depth)})`;
    }
    const rest = this.pattern.slice(this.offsetOf(this.pos));
    const named = /^\?P?<([^>]*)>/.exec(rest);
    if (named !== null && (rest.startsWith('?P<') || (!rest.startsWith('?<=') && !rest.startsWith('?<!')))) {
      const name = named[1] ?? '';
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture');
      this.names.push(name);
      this.pos += Array.from(named[0]).length;
      return `(${this.groupBody(flags, depth)})`;
    }
    // Flag group: (?flags) or (?flags:re).
    this.pos++;
    const changed: Flags = { ...flags };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const ch = this.peekChar();
      this.pos++;
      if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        changed[ch] = !negate;
        sawFlag = true;
      } else if (ch === '-' && !negate) {
        negate = true;
        sawFlag = false;
      } else if ((ch === ':' || ch === ')') && (!negate || sawFlag)) {
        if (ch === ':') return `(?:${this.groupBody(changed, depth)})`;
        Object.assign(flags, changed);
        return undefined;
      } else {
        this.fail('invalid or unsupported Perl syntax');
      }
    }
  }

  private groupBody(flags: Flags, depth: number): string {
    const body = this.alternation({ ...flags }, depth + 1);
    if (this.peekChar() !== ')') this.fail('missing closing )');
    this.pos++;
    return body;
  }

  private escapeOutsideClass(flags: Flags): string[] {
    const c = this.peekChar();
    switch (c) {
      case 'A':
        this.pos++;
        return ['^'];
      case 'z':
        this.pos++;
        return ['$'];
      case 'b':
      case 'B':
        this.pos++;
        // Go's word boundary is ASCII-only; keep it out of case-insensitive scope.
        return [this.wrapCase(`\\${c}`, { ...flags, i: false })];
      case 'Q': {
        this.pos++;
        const chars: string[] = [];
        while (this.pos < this.chars.length) {
          if (this.peekChar() === '\\' && this.peekChar(1) === 'E') {
            this.pos += 2;
            break;
          }
          chars.push(this.wrapCase(literal(this.next()), flags));
        }
        return chars;
      }
      default: {
        const cls = this.classEscape();
        if (cls !== undefined) return [this.wrapCase(`[${cls}]`, flags)];
        return [this.wrapCase(literal(this.escapedChar()), flags)];
      }
    }
  }

  /** `\d \D \s \S \w \W \pX \p{..} \PX \P{..}` at the cursor (after the backslash), as class contents. */
  private classEscape(): string | undefined {
    const c = this.peekChar();
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl !== undefined && (c === c.toLowerCase() || c === c.toUpperCase())) {
      this.pos++;
      return c === c.toLowerCase() ? perl : `[^${perl}]`;
    }
    if (c !== 'p' && c !== 'P') return undefined;
    this.pos++;
    let name: string;
    if (this.peekChar() === '{') {
      const close = this.chars.indexOf(0x7d, this.pos);
      if (close < 0) this.fail('invalid character class range');
      name = String.fromCodePoint(...this.chars.slice(this.pos + 1, close));
      this.pos = close + 1;
    } else {
      if (this.pos >= this.chars.length) this.fail('invalid character class range');
      name = String.fromCodePoint(this.next());
    }
    let negated = c === 'P';
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) this.fail('invalid character class range');
    const property = name === 'Any' ? 'Any' : name.length <= 2 ? `General_Category=${name}` : `Script=${name}`;
    try {
      new RegExp(`\\p{${property}}`, 'v');
    } catch {
      this.fail('invalid character class range');
    }
    return `${negated ? '\\P' : '\\p'}{${property}}`;
  }

  /** Go's `parseEscape` for a single character (after the backslash). */
  private escapedChar(): number {
    const c = this.next();
    const ch = String.fromCodePoint(c);
    if (c < 0x80 && !/[A-Za-z0-9]/.test(ch)) return c;
    const isOctal = (x: number | undefined): boolean => x !== undefined && x >= 0x30 && x <= 0x37;
    if ((ch >= '1' && ch <= '7' && isOctal(this.peek())) || ch === '0') {
      let r = c - 0x30;
      for (let i = 1; i < 3 && isOctal(this.peek()); i++) r = r * 8 + (this.next() - 0x30);
      return r;
    }
    if (ch === 'x' && this.pos < this.chars.length) {
      const hex = (x: number | undefined): number =>
        x === undefined
          ? -1
          : /^[0-9a-fA-F]$/.test(String.fromCodePoint(x))
            ? parseInt(String.fromCodePoint(x), 16)
            : -1;
      if (this.peekChar() === '{') {
        this.pos++;
        let r = 0;
        let digits = 0;
        for (;;) {
          if (this.pos >= this.chars.length) this.fail('invalid escape sequence');
          const d = this.next();
          if (d === 0x7d) break;
          const v = hex(d);
          if (v < 0) this.fail('invalid escape sequence');
          r = r * 16 + v;
          if (r > 0x10ffff) this.fail('invalid escape sequence');
          digits++;
        }
        if (digits === 0) this.fail('invalid escape sequence');
        return r;
      }
      const x = hex(this.next());
      const y = hex(this.pos < this.chars.length ? this.next() : undefined);
      if (x >= 0 && y >= 0) return x * 16 + y;
      this.fail('invalid escape sequence');
    }
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const value = simple[ch];
    if (value !== undefined) return value;
    return this.fail('invalid escape sequence');
  }

  /** The inside of a `[...]` class (the `[` consumed), as v-mode class contents. */
  private classBody(): string {
    let negated = false;
    if (this.peekChar() === '^') {
      this.pos++;
      negated = true;
    }
    const items: string[] = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.chars.length) this.fail('missing closing ]');
      if (this.peekChar() === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (this.peekChar() === '[' && this.peekChar(1) === ':') {
        const rest = this.pattern.slice(this.offsetOf(this.pos));
        const m = /^\[:(\^?)([a-z]*):\]/.exec(rest);
        if (m !== null) {
          const set = POSIX_CLASSES[m[2] ?? ''];
          if (set === undefined) this.fail('invalid character class range');
          items.push(m[1] === '^' ? `[^${set}]` : `[${set}]`);
          this.pos += m[0].length;
          continue;
        }
      }
      if (this.peekChar() === '\\') {
        this.pos++;
        const cls = this.classEscape();
        if (cls !== undefined) {
          items.push(`[${cls}]`);
          continue;
        }
        this.pos--;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peekChar() === '-' && this.pos + 1 < this.chars.length && this.peekChar(1) !== ']') {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) this.fail('invalid character class range');
      }
      items.push(lo === hi ? cp(lo) : RANGE(lo, hi));
    }
    const body = items.join('');
    return negated ? `^${body}` : body;
  }

  private classChar(): number {
    if (this.pos >= this.chars.length) this.fail('missing closing ]');
    if (this.peekChar() === '\\') {
      this.pos++;
      return this.escapedChar();
    }
    return this.next();
  }
}

const cache = new Map<string, GoRegExp>();
const CACHE_SIZE = 100;

/** Compiles a Go pattern (cached, like OPA's regexp cache); throws Go-style syntax errors. */
export function compileGoRegExp(pattern: string): GoRegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const translator = new Translator(pattern);
  const source = translator.translate();
  let regexp: RegExp;
  try {
    regexp = new RegExp(source, 'gv');
  } catch (err) {
    throw new OperandError(`error parsing regexp: ${(err as Error).message}`);
  }
  const compiled: GoRegExp = { regexp, names: translator.names };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  cache.set(pattern, compiled);
  return compiled;
}
