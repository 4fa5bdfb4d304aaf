/**
 * time.parse_duration_ns's parser. OPA 1.22 uses Go's `time.ParseDuration` ("1h30m", "-1.5h",
 * "300ms"), exact to the nanosecond in int64 including Go's float64 rounding of fractions, and,
 * for strings containing d, w or y, its own grammar `[-+]?([0-9.]+(ms|us|µs|ns|[a-z]))+` that
 * adds days (24h), weeks (7d) and years (365d). The extension's arithmetic was established
 * against opa eval (test/policy/builtins-generated.test.ts), not read from OPA's source.
 */
import { OperandError } from './builtin-error.ts';
import { goQuote, leadingInt } from './go-time-parse.ts';

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TWO_63 = 2n ** 63n;

/** Go's `leadingFraction`: digits after the point, and 10^count (stops scaling on overflow). */
function leadingFraction(s: string): { value: bigint; scale: number; rest: string } {
  let i = 0;
  let x = 0n;
  let scale = 1;
  let overflow = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (overflow) continue;
    if (x > (TWO_63 - 1n) / 10n) {
      overflow = true;
      continue;
    }
    const y = x * 10n + BigInt(c - 48);
    if (y > TWO_63) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  return { value: x, scale, rest: s.slice(i) };
}

const KNOWN_UNITS = new Set([...Object.keys(UNITS), 'd', 'w', 'y']);
const HOURS_PER_UNIT: Readonly<Record<string, number>> = { d: 24, w: 168, y: 8760 };
const EXTENDED_SEGMENT = /^([0-9.]+)(ms|us|µs|ns|[a-z])/;

/** Nanoseconds in a duration string as OPA's time.parse_duration_ns reads it; throws OPA's error text. */
export function parseDuration(text: string): bigint {
  return /[dwy]/.test(text) ? parseExtendedDuration(text) : parseGoDuration(text);
}

/**
 * OPA's extension: each d/w/y amount is read as a float64, multiplied into hours, printed in
 * Go's shortest form and the rewritten string parsed by Go's parser (so ".30d" is
 * 25919999999999 ns, float artefacts included, exactly as OPA computes it).
 */
function parseExtendedDuration(text: string): bigint {
  const invalid = (): never => {
    throw new OperandError(`time: invalid duration ${goQuote(text)}`);
  };
  let s = text;
  let rewritten = '';
  if (s.startsWith('-') || s.startsWith('+')) {
    rewritten = s[0] ?? '';
    s = s.slice(1);
  }
  if (s === '') invalid();
  while (s !== '') {
    const m = EXTENDED_SEGMENT.exec(s);
    if (m === null) return invalid();
    const [segment, digits = '', unit = ''] = m;
    if (!KNOWN_UNITS.has(unit))
      throw new OperandError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    const hours = HOURS_PER_UNIT[unit];
    if (hours === undefined) {
      rewritten += segment;
    } else {
      const amount = Number(digits);
      if (!Number.isFinite(amount)) invalid();
      rewritten += `${shortestFixed(amount * hours)}h`;
    }
    s = s.slice(segment.length);
  }
  try {
    return parseGoDuration(rewritten);
  } catch {
    return invalid();
  }
}

/** Go's `strconv.FormatFloat(x, 'f', -1, 64)`: the shortest round-tripping digits, never an exponent. */
function shortestFixed(x: number): string {
  const text = String(x);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Go's `time.ParseDuration`; throws Go's error text. */
function parseGoDuration(text: string): bigint {
  const invalid = (): never => {
    throw new OperandError(`time: invalid duration ${goQuote(text)}`);
  };
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    const first = s.charCodeAt(0);
    if (!(s[0] === '.' || (first >= 48 && first <= 57))) invalid();
    const before = s.length;
    const whole = leadingInt(s);
    if (whole === undefined) return invalid();
    let v = whole.value;
    s = whole.rest;
    const pre = before !== s.length;
    let fraction = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      const len = s.length;
      ({ value: fraction, scale, rest: s } = leadingFraction(s));
      post = len !== s.length;
    }
    if (!pre && !post) invalid();
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57)) i++;
    if (i === 0) throw new OperandError(`time: missing unit in duration ${goQuote(text)}`);
    const unitName = s.slice(0, i);
    s = s.slice(i);
    const unit = UNITS[unitName];
    if (unit === undefined)
      throw new OperandError(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(text)}`);
    if (v > TWO_63 / unit) invalid();
    v *= unit;
    if (fraction > 0n) {
      // Go computes the fractional part in float64 and truncates; so do we, bit for bit.
      v += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (v > TWO_63) invalid();
    }
    total += v;
    if (total > TWO_63) invalid();
  }
  if (neg) return -total;
  if (total > TWO_63 - 1n) invalid();
  return total;
}
