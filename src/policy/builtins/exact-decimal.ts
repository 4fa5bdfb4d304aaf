/**
 * Exact decimal arithmetic for units.parse and units.parse_bytes, reproducing Go's math/big as
 * OPA uses it: `big.Rat` (exact rationals, printed with `FloatString(10)`) and `big.Float` at
 * its default 64-bit precision (round to nearest even after every operation).
 */
import { OperandError } from './builtin-error.ts';

/** Largest decimal exponent accepted: bounds the work a single call can cause (OPA has none). */
export const MAX_DECIMAL_EXPONENT = 1000;

/** A decimal number as integer digits and a power of ten: value = sign * digits * 10^exp. */
export interface Decimal {
  negative: boolean;
  digits: bigint;
  exp: number;
}

/** Parses what Go's `Rat.SetString` / `Float.SetString` accept from units strings; undefined if not. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', onlyFraction, exponent = '0'] = m;
  const fractionDigits = onlyFraction ?? fraction;
  const exp = Number(exponent) - fractionDigits.length;
  if (Math.abs(exp) > MAX_DECIMAL_EXPONENT) throw new OperandError('exponent too large');
  return { negative: sign === '-', digits: BigInt((onlyFraction === undefined ? whole : '') + fractionDigits), exp };
}

/** An exact rational with a positive denominator. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** The exact value of a decimal. */
export function decimalToRational(d: Decimal): Rational {
  const signed = d.negative ? -d.digits : d.digits;
  return d.exp >= 0 ? { num: signed * 10n ** BigInt(d.exp), den: 1n } : { num: signed, den: 10n ** BigInt(-d.exp) };
}

/** The exact value of a finite double (Go's `Rat.SetFloat64`). */
export function doubleToRational(x: number): Rational {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp = (biased === 0 ? 1 : biased) - 1075;
  const num = negative ? -mantissa : mantissa;
  return exp >= 0 ? { num: num << BigInt(exp), den: 1n } : { num, den: 1n << BigInt(-exp) };
}

/** Whether a rational is an integer. */
export function isInteger(r: Rational): boolean {
  return r.num % r.den === 0n;
}

/** Go's `Rat.FloatString(prec)`: fixed-point, rounded half away from zero. */
export function ratFloatString(r: Rational, prec: number): string {
  const negative = r.num < 0n;
  const abs = negative ? -r.num : r.num;
  let whole = abs / r.den;
  const scale = 10n ** BigInt(prec);
  let frac = ((abs % r.den) * scale) / r.den;
  const rem = ((abs % r.den) * scale) % r.den;
  if (2n * rem >= r.den) {
    frac += 1n;
    if (frac >= scale) {
      whole += 1n;
      frac -= scale;
    }
  }
  const body = prec > 0 ? `${whole}.${frac.toString().padStart(prec, '0')}` : `${whole}`;
  return negative ? `-${body}` : body;
}

/** A binary float like Go's `big.Float`: value = (negative ? -1 : 1) * mant * 2^exp. */
export interface BinaryFloat {
  negative: boolean;
  mant: bigint;
  exp: number;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds |num|/den (den > 0) to `prec` significant bits, to nearest, ties to even. */
export function roundQuotient(num: bigint, den: bigint, prec: number, negative = num < 0n): BinaryFloat {
  const n = num < 0n ? -num : num;
  if (n === 0n) return { negative, mant: 0n, exp: 0 };
  const k = prec + 2 + bitLength(den) - bitLength(n);
  const [scaledNum, scaledDen] = k >= 0 ? [n << BigInt(k), den] : [n, den << BigInt(-k)];
  const q = scaledNum / scaledDen;
  const sticky = scaledNum % scaledDen !== 0n;
  const extra = bitLength(q) - prec;
  let mant = q >> BigInt(extra);
  const dropped = q & ((1n << BigInt(extra)) - 1n);
  const half = 1n << BigInt(extra - 1);
  if (dropped > half || (dropped === half && (sticky || (mant & 1n) === 1n))) mant += 1n;
  let exp = extra - k;
  if (bitLength(mant) > prec) {
    mant >>= 1n;
    exp += 1;
  }
  return { negative, mant, exp };
}

function product(a: BinaryFloat, b: BinaryFloat, prec: number): BinaryFloat {
  return shift(roundQuotient(a.mant * b.mant, 1n, prec, a.negative !== b.negative), a.exp + b.exp);
}

function shift(f: BinaryFloat, by: number): BinaryFloat {
  return { ...f, exp: f.exp + by };
}

/** Go's `Float.pow5(n)` at 128 bits: exact to 5^27, then squaring at 192 bits. */
function pow5(n: number): BinaryFloat {
  if (n <= 27) return { negative: false, mant: 5n ** BigInt(n), exp: 0 };
  let z: BinaryFloat = roundQuotient(5n ** 27n, 1n, 128);
  let f: BinaryFloat = { negative: false, mant: 5n, exp: 0 };
  for (let left = n - 27; left > 0; left >>= 1) {
    if (left & 1) z = product(z, f, 128);
    f = product(f, f, 192);
  }
  return z;
}

/** Go's `new(big.Float).SetString(decimal)` at 64-bit precision. */
export function decimalToFloat64Bits(d: Decimal): BinaryFloat {
  const base: BinaryFloat = { negative: d.negative, mant: d.digits, exp: d.exp };
  if (d.exp === 0) return roundQuotient(d.digits, 1n, 64, d.negative);
  const p = pow5(Math.abs(d.exp));
  if (d.exp > 0) return shift(roundQuotient(base.mant * p.mant, 1n, 64, d.negative), d.exp + p.exp);
  // x * 2^e / (p.mant * 2^p.exp), rounded once.
  return shift(roundQuotient(base.mant, p.mant, 64, d.negative), d.exp - p.exp);
}

/** Go's `Float.Mul(x, uint64)` at 64 bits followed by `Float.Int`: truncates toward zero. */
export function multiplyToInteger(x: BinaryFloat, factor: bigint): bigint {
  const r = shift(roundQuotient(x.mant * factor, 1n, 64, x.negative), x.exp);
  const magnitude = r.exp >= 0 ? r.mant << BigInt(r.exp) : r.mant >> BigInt(-r.exp);
  return r.negative ? -magnitude : magnitude;
}
