/**
 * The exact arithmetic gojsonschema does with math/big (schema.go mustBeNumber, validation.go
 * validateNumber): rationals parsed from JSON number texts (`big.Rat.SetString`), compared and
 * divided exactly, and printed in error texts as `new(big.Float).SetRat(r)` prints with `%v`
 * (math/big ftoa.go: shortest digits at the Float's precision, `%g` layout).
 */

/** math/big rat.go's Rat: num/den with den > 0, in lowest terms. */
export interface Rat {
  readonly num: bigint;
  readonly den: bigint;
}

/** Exponents beyond this are refused rather than expanded (Go would allocate them). */
const MAX_EXPONENT = 100_000;

/** A number whose exponent is too large to expand (Go's ratconv.go would; regent refuses). */
export class RatRangeError extends Error {}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function rat(num: bigint, den: bigint): Rat {
  const g = gcd(num, den);
  return g === 0n || g === 1n ? { num, den } : { num: num / g, den: den / g };
}

/** math/big ratconv.go Rat.SetString for a JSON number text; undefined if the text is not a decimal number. */
export function parseRat(text: string): Rat | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  if (int === '' && frac === '') return undefined;
  const e = Number(exp) - frac.length;
  if (Math.abs(e) > MAX_EXPONENT) throw new RatRangeError(`number ${text} is out of the supported range`);
  let num = BigInt(`${int}${frac}` || '0');
  if (sign === '-') num = -num;
  return e >= 0 ? rat(num * 10n ** BigInt(e), 1n) : rat(num, 10n ** BigInt(-e));
}

/** math/big rat.go Rat.Cmp. */
export function compareRat(a: Rat, b: Rat): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** math/big rat.go: whether `new(big.Rat).Quo(a, b).IsInt()` (b ≠ 0). */
export function quotientIsInt(a: Rat, b: Rat): boolean {
  return (a.num * b.den) % (a.den * b.num) === 0n;
}

/** math/big rat.go Rat.IsInt. */
export function ratIsInt(a: Rat): boolean {
  return a.den === 1n;
}

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** A multiprecision decimal 0.digits × 10^exp, trailing zeros trimmed (math/big decimal). */
interface Decimal {
  digits: string;
  exp: number;
}

function trim(d: Decimal): Decimal {
  const digits = d.digits.replace(/0+$/, '');
  return digits === '' ? { digits: '', exp: 0 } : { digits, exp: d.exp };
}

/** decimal.init: m × 2^shift exactly. */
function decimalOf(m: bigint, shift: number): Decimal {
  if (m === 0n) return { digits: '', exp: 0 };
  if (shift >= 0) {
    const s = (m << BigInt(shift)).toString();
    return trim({ digits: s, exp: s.length });
  }
  const s = (m * 5n ** BigInt(-shift)).toString();
  return trim({ digits: s, exp: s.length + shift });
}

const at = (d: Decimal, i: number): string => (i >= 0 && i < d.digits.length ? (d.digits[i] ?? '0') : '0');

function roundUp(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  let i = n;
  while (i > 0 && d.digits[i - 1] === '9') i--;
  if (i === 0) return { digits: '1', exp: d.exp + 1 };
  return { digits: d.digits.slice(0, i - 1) + String(Number(d.digits[i - 1]) + 1), exp: d.exp };
}

function roundDown(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  return trim({ digits: d.digits.slice(0, n), exp: d.exp });
}

function round(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  const c = d.digits[n] ?? '0';
  const up = c === '5' && n + 1 === d.digits.length ? n > 0 && Number(d.digits[n - 1]) % 2 !== 0 : c >= '5';
  return up ? roundUp(d, n) : roundDown(d, n);
}

/** roundShortest: the fewest digits that still round to the Float (mantissa m, prec bits, × 2^e). */
function roundShortest(d: Decimal, m: bigint, e: number): Decimal {
  if (d.digits === '') return d;
  const mant = m << 1n;
  const exp = e - 1;
  const lower = decimalOf(mant - 1n, exp);
  const upper = decimalOf(mant + 1n, exp);
  const inclusive = (mant & 2n) === 0n;
  for (let i = 0; i < d.digits.length; i++) {
    const c = d.digits[i] ?? '0';
    const l = at(lower, i);
    const u = at(upper, i);
    const okDown = l !== c || (inclusive && i + 1 === lower.digits.length);
    const okUp = c !== u && (inclusive || Number(c) + 1 < Number(u) || i + 1 < upper.digits.length);
    if (okDown && okUp) return round(d, i + 1);
    if (okDown) return roundDown(d, i + 1);
    if (okUp) return roundUp(d, i + 1);
  }
  return d;
}

function fmtE(d: Decimal, prec: number): string {
  let out = d.digits[0] ?? '0';
  if (prec > 0) {
    out += '.';
    out += d.digits.slice(1, Math.min(d.digits.length, prec + 1));
    for (let i = Math.max(1, Math.min(d.digits.length, prec + 1)); i <= prec; i++) out += '0';
  }
  let exp = d.digits.length > 0 ? d.exp - 1 : 0;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}e${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(d: Decimal, prec: number): string {
  let out = '';
  if (d.exp > 0) {
    out += d.digits.slice(0, Math.min(d.digits.length, d.exp));
    for (let m = Math.min(d.digits.length, d.exp); m < d.exp; m++) out += '0';
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += at(d, d.exp + i);
  }
  return out;
}

/** Rounds num/den (both positive) to nearest-even with `prec` bits: the value is m × 2^-k. */
function toFloat(num: bigint, den: bigint, prec: number): { m: bigint; k: number } {
  let k = prec - (bitLen(num) - bitLen(den));
  for (;;) {
    const scaledNum = k >= 0 ? num << BigInt(k) : num;
    const scaledDen = k >= 0 ? den : den << BigInt(-k);
    const q = scaledNum / scaledDen;
    if (bitLen(q) > prec) {
      k--;
      continue;
    }
    if (bitLen(q) < prec) {
      k++;
      continue;
    }
    const twice = (scaledNum % scaledDen) * 2n;
    const m = twice > scaledDen || (twice === scaledDen && (q & 1n) === 1n) ? q + 1n : q;
    return bitLen(m) > prec ? { m: m >> 1n, k: k - 1 } : { m, k };
  }
}

/** math/big ftoa.go: `fmt.Sprint(new(big.Float).SetRat(r))`, rounded to max(64, bit lengths) bits, shortest %g. */
export function formatBigFloat(r: Rat): string {
  if (r.num === 0n) return '0';
  const neg = r.num < 0n;
  const num = neg ? -r.num : r.num;
  const prec = Math.max(bitLen(num), bitLen(r.den), 64);
  const { m, k } = toFloat(num, r.den, prec);
  let d = decimalOf(m, -k);
  d = roundShortest(d, m, -k);
  const digitsPrec = d.digits.length;
  const exp = d.exp - 1;
  let out: string;
  if (exp < -4 || exp >= 6) out = fmtE(d, digitsPrec - 1);
  else out = fmtF(d, Math.max(digitsPrec - d.exp, 0));
  return neg ? `-${out}` : out;
}
