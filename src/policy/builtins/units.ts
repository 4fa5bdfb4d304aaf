/**
 * units.parse ("10K", "1.5Gi", "250m") and units.parse_bytes ("10KB", "1.5GiB") as OPA's
 * topdown/parse_units.go and parse_bytes.go compute them: exact rationals for units.parse,
 * Go's 64-bit big.Float then truncation for parse_bytes.
 */
import { OperandError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import {
  decimalToFloat64Bits,
  decimalToRational,
  doubleToRational,
  isInteger,
  multiplyToInteger,
  parseDecimal,
  ratFloatString,
  type Rational,
} from './exact-decimal.ts';
import { decimalResult, integerResult, type BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';

const KI = 1n << 10n;
const SI = (power: number): bigint => 1000n ** BigInt(power);
const BIN = (power: number): bigint => KI ** BigInt(power);

/** units.parse multipliers; the first letter's case matters ("m" milli, "M" mega). */
const UNIT_FACTORS: Readonly<Record<string, bigint>> = {
  '': 1n,
  k: SI(1),
  K: SI(1),
  ki: BIN(1),
  Ki: BIN(1),
  M: SI(2),
  mi: BIN(2),
  Mi: BIN(2),
  g: SI(3),
  G: SI(3),
  gi: BIN(3),
  Gi: BIN(3),
  t: SI(4),
  T: SI(4),
  ti: BIN(4),
  Ti: BIN(4),
  p: SI(5),
  P: SI(5),
  pi: BIN(5),
  Pi: BIN(5),
  e: SI(6),
  E: SI(6),
  ei: BIN(6),
  Ei: BIN(6),
};

/** units.parse_bytes multipliers, after lower-casing the whole string. */
const BYTE_FACTORS: Readonly<Record<string, bigint>> = {
  '': 1n,
  ...Object.fromEntries(
    ['k', 'm', 'g', 't', 'p', 'e'].flatMap((p, i) => [
      [p, SI(i + 1)],
      [`${p}b`, SI(i + 1)],
      [`${p}i`, BIN(i + 1)],
      [`${p}ib`, BIN(i + 1)],
    ]),
  ),
};

/** OPA's milli factor is the float64 0.001, carried into exact arithmetic. */
const MILLI: Rational = doubleToRational(0.001);

const MAX_EXPONENT_DIGITS = 6;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** OPA's `extractNumAndUnit`: splits "1.5e3Gi" into "1.5e3" and "Gi". */
function splitAmount(s: string): { amount: string; unit: string } {
  let boundary = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      boundary = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next === undefined || (!isDigit(next) && next !== '+' && next !== '-')) {
        boundary = i;
        break;
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new OperandError('exponent too large');
    }
  }
  if (boundary === -1) return { amount: s, unit: '' };
  return { amount: s.slice(0, boundary), unit: s.slice(boundary) };
}

function unitsParse(_context: BuiltinContext, value: unknown): BuiltinValue {
  const s = stringOperand(value, 1).replaceAll('"', '');
  if (s.includes(' ')) throw new OperandError('spaces not allowed in resource strings');
  const { amount, unit: rawUnit } = splitAmount(s);
  if (amount === '') throw new OperandError('no amount provided');
  const unit = rawUnit.length > 1 ? rawUnit.slice(0, 1) + rawUnit.slice(1).toLowerCase() : rawUnit;
  const factor: Rational | undefined =
    unit === 'm' ? MILLI : UNIT_FACTORS[unit] === undefined ? undefined : { num: UNIT_FACTORS[unit], den: 1n };
  if (factor === undefined) throw new OperandError(`unit ${unit} not recognized`);
  const decimal = parseDecimal(amount);
  if (decimal === undefined) throw new OperandError('could not parse amount to a number');
  const amountValue = decimalToRational(decimal);
  const result: Rational = { num: amountValue.num * factor.num, den: amountValue.den * factor.den };
  if (isInteger(result)) return integerResult(result.num / result.den);
  return decimalResult(ratFloatString(result, 10));
}

function unitsParseBytes(_context: BuiltinContext, value: unknown): BuiltinValue {
  const s = stringOperand(value, 1).toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw new OperandError('spaces not allowed in resource strings');
  const { amount, unit } = splitAmount(s);
  if (amount === '') throw new OperandError('no byte amount provided');
  const factor = BYTE_FACTORS[unit];
  if (factor === undefined) throw new OperandError(`byte unit ${unit} not recognized`);
  const decimal = parseDecimal(amount);
  if (decimal === undefined) throw new OperandError('could not parse byte amount to a number');
  return integerResult(multiplyToInteger(decimalToFloat64Bits(decimal), factor));
}

/** The units.* builtins, by OPA name. */
export const UNITS_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'units.parse': { impl: unitsParse, arity: 1 },
  'units.parse_bytes': { impl: unitsParseBytes, arity: 1 },
};
