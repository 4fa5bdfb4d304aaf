/**
 * Go's `fmt.Sprintf` over the four kinds of argument OPA's sprintf hands it: int64, *big.Int,
 * float64 and string (topdown/strings.go builtinSprintf). Verbs, flags (`+ - # 0` and space),
 * width, precision, `*` and `[n]` argument indexes, and Go's error forms (`%!d(string=x)`,
 * `%!d(MISSING)`, `%!(EXTRA ...)`, `%!(NOVERB)`). Float digits are exact (round half to even on
 * the double's exact decimal value, as strconv does). Not covered: `%x`/`%b` of a float (hex and
 * binary float forms).
 */

/** One sprintf argument, typed as Go sees it. */
export type GoArg =
  | { kind: 'int64'; value: bigint }
  | { kind: 'big'; value: bigint }
  | { kind: 'float64'; value: number }
  | { kind: 'string'; value: string };

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const TYPE_NAME: Record<GoArg['kind'], string> = {
  int64: 'int64',
  big: '*big.Int',
  float64: 'float64',
  string: 'string',
};

/** Pads `body` (sign or prefix `head` kept in front when padding with zeros) to the width. */
function pad(spec: Spec, head: string, body: string, zeroAllowed = true): string {
  const len = Array.from(head).length + Array.from(body).length;
  const width = spec.width ?? 0;
  if (len >= width) return head + body;
  const fill = width - len;
  if (spec.minus) return head + body + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) return head + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + head + body;
}

function signOf(negative: boolean, spec: Spec): string {
  if (negative) return '-';
  if (spec.plus) return '+';
  return spec.space ? ' ' : '';
}

function formatInteger(value: bigint, verb: string, spec: Spec, big: boolean): string | undefined {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString(10);
      break;
    case 's':
      if (!big) return undefined;
      digits = abs.toString(10);
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      break;
    case 'x':
    case 'X':
      digits = abs.toString(16);
      if (verb === 'X') digits = digits.toUpperCase();
      if (spec.sharp) prefix = verb === 'x' ? '0x' : '0X';
      break;
    case 'c':
    case 'q':
    case 'U':
      if (big) return undefined;
      return formatRune(value, verb, spec);
    default:
      return undefined;
  }
  // Go: precision 0 and value 0 print nothing at all, padding only.
  if (spec.prec === 0 && abs === 0n) return ' '.repeat(spec.width ?? 0);
  if (spec.prec !== undefined) {
    if (digits.length < spec.prec) digits = '0'.repeat(spec.prec - digits.length) + digits;
  }
  // `%#o` adds a leading 0 only when the digits do not already start with one.
  if (verb === 'o' && spec.sharp && !digits.startsWith('0')) prefix = '0';
  const head = signOf(negative, spec) + prefix;
  return pad(spec, head, digits, spec.prec === undefined);
}

function formatRune(value: bigint, verb: string, spec: Spec): string {
  const code = value >= 0n && value <= 0x10ffffn && !(value >= 0xd800n && value <= 0xdfffn) ? Number(value) : 0xfffd;
  const char = String.fromCodePoint(code);
  if (verb === 'c') return pad(spec, '', char, true);
  if (verb === 'q') return pad(spec, '', quoteRune(code), true);
  // Go formats %U of the value as uint64: a negative number is its two's complement.
  const unsigned = value < 0n ? 2n ** 64n + value : value;
  const hex = unsigned.toString(16).toUpperCase().padStart(4, '0');
  const printable = unsigned <= 0x10ffffn && isPrint(Number(unsigned));
  return pad(
    spec,
    '',
    spec.sharp && printable ? `U+${hex} '${String.fromCodePoint(Number(unsigned))}'` : `U+${hex}`,
    false,
  );
}

/** Whether Go's strconv.IsPrint holds for the code point (letters, marks, numbers, punctuation, symbols, ASCII space). */
function isPrint(code: number): boolean {
  if (code === 0x20) return true;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(code));
}

function escapeRune(code: number, quote: string): string {
  const char = String.fromCodePoint(code);
  if (char === quote || char === '\\') return '\\' + char;
  if (isPrint(code)) return char;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };
  const n = named[code];
  if (n !== undefined) return n;
  if (code < 0x20 || code === 0x7f) return '\\x' + code.toString(16).padStart(2, '0');
  if (code < 0x10000) return '\\u' + code.toString(16).padStart(4, '0');
  return '\\U' + code.toString(16).padStart(8, '0');
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0, '"');
  return out + '"';
}

function quoteRune(code: number): string {
  return `'${escapeRune(code, "'")}'`;
}

/** The exact decimal digits of a finite double and the position of its decimal point. */
function exactDigits(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: '0', point: 1 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exponent === 0) e = -1074;
  else {
    mantissa |= 1n << 52n;
    e = exponent - 1075;
  }
  let digits: string;
  let point: number;
  if (e >= 0) {
    digits = (mantissa << BigInt(e)).toString();
    point = digits.length;
  } else {
    digits = (mantissa * 5n ** BigInt(-e)).toString();
    point = digits.length + e;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { digits: trimmed === '' ? '0' : trimmed, point };
}

/** Rounds a digit string to `n` digits, half to even; the point moves when 9s carry. */
function roundDigits(d: { digits: string; point: number }, n: number): { digits: string; point: number } {
  if (n < 0) return { digits: '0', point: d.point };
  if (d.digits.length <= n) return d;
  const kept = d.digits.slice(0, n);
  const rest = d.digits.slice(n);
  const first = rest.charCodeAt(0) - 48;
  const exactHalf = first === 5 && /^50*$/.test(rest);
  const last = n > 0 ? kept.charCodeAt(n - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (!exactHalf || last % 2 === 1));
  if (!up) return { digits: kept.replace(/0+$/, '') || '0', point: d.point };
  const bumped = (BigInt(kept === '' ? '0' : kept) + 1n).toString();
  if (bumped.length > Math.max(kept.length, 1) || (kept === '' && bumped === '1'))
    return { digits: bumped.replace(/0+$/, '') || '0', point: d.point + 1 };
  return { digits: bumped.padStart(kept.length, '0').replace(/0+$/, '') || '0', point: d.point };
}

/** Shortest digits that read back as the double (JavaScript and Go agree on them). */
function shortestDigits(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: '0', point: 1 };
  const [mant = '', exp = '0'] = Math.abs(x).toExponential().split('e');
  return { digits: mant.replace('.', ''), point: Number(exp) + 1 };
}

function fixed(d: { digits: string; point: number }, prec: number): string {
  const all = d.point <= 0 ? '0'.repeat(-d.point + 1) + d.digits : d.digits;
  const point = d.point <= 0 ? 1 : d.point;
  const whole = all.slice(0, point).padEnd(point, '0');
  const frac = all.slice(point).padEnd(prec, '0').slice(0, prec);
  return prec > 0 ? `${whole}.${frac}` : whole;
}

function exponential(d: { digits: string; point: number }, prec: number, e: string): string {
  const digits = d.digits.padEnd(prec + 1, '0');
  const exp = d.digits === '0' ? 0 : d.point - 1;
  const mant = prec > 0 ? `${digits[0] ?? '0'}.${digits.slice(1, prec + 1)}` : (digits[0] ?? '0');
  const sign = exp < 0 ? '-' : '+';
  return `${mant}${e}${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function formatFloat(x: number, verb: string, spec: Spec): string | undefined {
  if (verb === 'b') return pad(spec, signOf(x < 0, spec), binaryFloat(Math.abs(x)), true);
  if (verb === 'x' || verb === 'X') {
    if (!Number.isFinite(x)) return formatFloat(x, 'g', spec);
    let hex = hexFloat(Math.abs(x), spec.prec);
    if (spec.sharp && !hex.includes('.')) hex = hex.replace('p', '.p');
    return pad(spec, signOf(x < 0 || Object.is(x, -0), spec), verb === 'X' ? hex.toUpperCase() : hex, true);
  }
  if (!'vfFeEgG'.includes(verb)) return undefined;
  const negative = x < 0 || Object.is(x, -0);
  if (!Number.isFinite(x)) {
    const body = Number.isNaN(x) ? 'NaN' : 'Inf';
    const sign = Number.isNaN(x) ? (spec.plus ? '+' : spec.space ? ' ' : '') : signOf(negative, spec);
    return pad(spec, sign, body, false);
  }
  const abs = Math.abs(x);
  let body: string;
  const upper = verb === 'E' || verb === 'G';
  const e = upper ? 'E' : 'e';
  if (verb === 'f' || verb === 'F') {
    const prec = spec.prec ?? 6;
    const exact = exactDigits(abs);
    body = fixed(roundDigits(exact, exact.point + prec), prec);
  } else if (verb === 'e' || verb === 'E') {
    const prec = spec.prec ?? 6;
    body = exponential(roundDigits(exactDigits(abs), prec + 1), prec, e);
  } else {
    // %v and %g: shortest digits unless a precision is given (strconv 'g').
    const shortest = spec.prec === undefined;
    let prec = shortest ? -1 : (spec.prec ?? 0);
    if (prec === 0) prec = 1;
    const d = shortest ? shortestDigits(abs) : roundDigits(exactDigits(abs), prec);
    let eprec = shortest ? 6 : prec;
    if (!shortest && eprec > d.digits.length && d.digits.length >= d.point) eprec = d.digits.length;
    if (shortest) {
      eprec = 6;
      prec = d.digits.length;
    }
    const exp = d.point - 1;
    if (exp < -4 || exp >= eprec) {
      const p = Math.min(prec, d.digits.length);
      body = exponential(d, p - 1, e);
    } else {
      const p = prec > d.point ? d.digits.length : prec;
      body = fixed(d, Math.max(p - d.point, 0));
    }
    if (spec.sharp) body = sharpG(body, spec.prec ?? 6, d, e);
  }
  return pad(spec, signOf(negative, spec), body, true);
}

/** `%#g`: the decimal point is kept and trailing zeros up to the precision are not removed. */
function sharpG(body: string, prec: number, d: { digits: string }, e: string): string {
  const [mant = '', exp] = body.split(e);
  let m = mant.includes('.') ? mant : mant + '.';
  const have = m.replace('.', '').replace(/^0+/, '').length || 1;
  if (have < prec && d.digits !== '') m += '0'.repeat(prec - have);
  return exp === undefined ? m : `${m}${e}${exp}`;
}

function formatString(s: string, verb: string, spec: Spec): string | undefined {
  const runes = Array.from(s); // Go counts runes (code points)
  const cut = spec.prec === undefined ? s : runes.slice(0, spec.prec).join('');
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec, '', cut, true);
    case 'q':
      if (spec.sharp && !/[`\p{C}]/u.test(cut.replace(/\t/g, ''))) return pad(spec, '', '`' + cut + '`', true);
      return pad(spec, '', goQuote(cut), true);
    case 'x':
    case 'X': {
      const all = new TextEncoder().encode(s);
      const bytes = [...(spec.prec === undefined ? all : all.slice(0, spec.prec))];
      if (bytes.length === 0) return pad(spec, '', '', true);
      let hex = bytes.map((b) => b.toString(16).padStart(2, '0'));
      if (verb === 'X') hex = hex.map((h) => h.toUpperCase());
      const lead = spec.sharp ? (verb === 'x' ? '0x' : '0X') : '';
      const out = spec.space ? hex.map((h) => lead + h).join(' ') : lead + hex.join('');
      return pad(spec, '', out, true);
    }
    default:
      return undefined;
  }
}

/** The `%v` text of an argument (what Go prints inside `%!verb(type=...)` and EXTRA). */
function plain(arg: GoArg): string {
  const spec: Spec = {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    width: undefined,
    prec: undefined,
  };
  return formatArg(arg, 'v', spec);
}

function formatArg(arg: GoArg, verb: string, spec: Spec): string {
  if (verb === 'T') return formatString(TYPE_NAME[arg.kind], 's', spec) ?? '';
  // *big.Int formats itself and sees + and # as given (fmt's State.Flag reports plusV / sharpV).
  if (verb === 'v' && arg.kind !== 'big') {
    // Go turns + and # into plusV / sharpV for %v: no sign; Go syntax, a quoted string.
    const sharpV = spec.sharp;
    spec = { ...spec, plus: false, sharp: false };
    if (sharpV && arg.kind === 'string') {
      const cut = spec.prec === undefined ? arg.value : Array.from(arg.value).slice(0, spec.prec).join('');
      return pad(spec, '', goQuote(cut), true);
    }
  }
  let out: string | undefined;
  switch (arg.kind) {
    case 'int64':
      out = formatInteger(arg.value, verb, spec, false);
      break;
    case 'big':
      out = formatInteger(arg.value, verb, spec, true);
      break;
    case 'float64':
      out = formatFloat(arg.value, verb, spec);
      break;
    case 'string':
      out = formatString(arg.value, verb, spec);
      break;
  }
  if (out !== undefined) return out;
  const type = arg.kind === 'big' ? 'big.Int' : TYPE_NAME[arg.kind];
  // Go prints the value with %v under the directive's own flags, width and precision.
  const shown = arg.kind === 'big' ? plain(arg) : formatValue(arg, spec);
  return `%!${verb}(${type}=${shown})`;
}

/** Go's fmt.Sprintf(format, args...). */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const start = i;
    while (i < n && format[i] !== '%') i++;
    out += format.slice(start, i);
    if (i >= n) break;
    i++; // '%'
    const spec: Spec = {
      plus: false,
      minus: false,
      sharp: false,
      space: false,
      zero: false,
      width: undefined,
      prec: undefined,
    };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') spec.sharp = true;
      else if (c === '0') spec.zero = !spec.minus;
      else if (c === '+') spec.plus = true;
      else if (c === '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c === ' ') spec.space = true;
      else break;
    }
    let badIndex = false;
    const argIndex = (): void => {
      if (format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i);
      const inner = close < 0 ? '' : format.slice(i + 1, close);
      const k = /^\d+$/.test(inner) ? Number(inner) : NaN;
      if (close < 0 || !(k >= 1 && k <= args.length)) {
        badIndex = true;
        i = close < 0 ? n : close + 1;
        return;
      }
      argNum = k - 1;
      i = close + 1;
    };
    const number = (): number | undefined => {
      const m = /^\d+/.exec(format.slice(i));
      if (m === null) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    argIndex();
    if (format[i] === '*') {
      i++;
      const a = args[argNum++];
      if (a?.kind === 'int64' && a.value <= 1_000_000n && a.value >= -1_000_000n) {
        spec.width = Number(a.value);
        if (spec.width < 0) {
          spec.minus = true;
          spec.zero = false;
          spec.width = -spec.width;
        }
      } else out += '%!(BADWIDTH)';
    } else {
      spec.width = number();
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        if (a?.kind === 'int64' && a.value >= 0n && a.value <= 1_000_000n) spec.prec = Number(a.value);
        else if (a?.kind === 'int64' && a.value < 0n) spec.prec = undefined;
        else out += '%!(BADPREC)';
      } else {
        spec.prec = number() ?? 0;
      }
    }
    argIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (badIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    const arg = args[argNum];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argNum++;
    out += formatArg(arg, verb, spec);
  }
  if (!reordered && argNum < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argNum)
        .map((a) => `${TYPE_NAME[a.kind]}=${plain(a)}`)
        .join(', ') +
      ')';
  }
  return out;
}

/** printArg(arg, 'v') under a bad verb's flags: unlike a real %v, + and # stay as they are. */
function formatValue(arg: GoArg, spec: Spec): string {
  switch (arg.kind) {
    case 'int64':
      return formatInteger(arg.value, 'v', spec, false) ?? '';
    case 'big':
      return plain(arg);
    case 'float64':
      return formatFloat(arg.value, 'v', spec) ?? '';
    case 'string':
      return formatString(arg.value, 's', spec) ?? '';
  }
}

/** The double's mantissa and binary exponent (x = mantissa * 2^exponent), x finite and >= 0. */
function binaryParts(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** strconv's 'b' format: decimal mantissa, 'p', binary exponent. */
function binaryFloat(x: number): string {
  const { mantissa, exponent } = binaryParts(x);
  return `${mantissa}p${exponent >= 0 ? '+' : '-'}${Math.abs(exponent)}`;
}

/** strconv's 'x' format: 0x1.<hex>p±dd, shortest or rounded (half to even) to `prec` hex digits. */
function hexFloat(x: number, prec: number | undefined): string {
  if (x === 0) return prec !== undefined && prec > 0 ? `0x0.${'0'.repeat(prec)}p+00` : '0x0p+00';
  let { mantissa, exponent } = binaryParts(x);
  // Normalise so the leading 1 is bit 52 (subnormals too).
  while (mantissa < 1n << 52n) {
    mantissa <<= 1n;
    exponent--;
  }
  let exp = exponent + 52;
  let frac = mantissa - (1n << 52n);
  let digits = 13;
  if (prec !== undefined && prec < 13) {
    const drop = BigInt(4 * (13 - prec));
    const rest = frac & ((1n << drop) - 1n);
    frac >>= drop;
    const half = 1n << (drop - 1n);
    if (rest > half || (rest === half && (frac & 1n) === 1n)) frac++;
    digits = prec;
    if (frac >> BigInt(4 * prec) === 1n) {
      frac = 0n;
      exp++;
    }
  }
  let hex = digits === 0 ? '' : frac.toString(16).padStart(digits, '0');
  if (prec === undefined) hex = hex.replace(/0+$/, '');
  else if (prec > 13) hex = hex.padEnd(prec, '0');
  const e = `${exp >= 0 ? '+' : '-'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return hex === '' ? `0x1p${e}` : `0x1.${hex}p${e}`;
}
