/**
 * Go's `time.ParseDuration`, which OPA's time.parse_duration_ns calls: a signed sequence of
 * decimal numbers with optional fractions and units ("1h30m", "-1.5h", "300ms"), exact to the
 * nanosecond in int64, including Go's float64 rounding of fractional parts.
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

/** Nanoseconds in a Go duration string; throws Go's error text. */
export function parseDuration(text: string): bigint {
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
