/**
 * Operand checks shared by the builtins, mirroring OPA's `topdown/builtins` helpers: the same
 * type errors (`operand N must be string but got number`) for values that reach a builtin from
 * `input` or `data`, where the compile-time type checker cannot see them.
 */
import { OperandError, operandTypeError } from './builtin-error.ts';

/** The operand as a string, or OPA's type error. */
export function stringOperand(value: unknown, position: number): string {
  if (typeof value !== 'string') operandTypeError(position, value, 'string');
  return value;
}

/** Whether the operand is a number as the SDK decodes it (a double, or an exact bigint). */
export function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** The operand as an exact integer, or OPA's errors for a non-number or a fraction. */
export function integerOperand(value: unknown, position: number): bigint {
  if (!isNumber(value)) operandTypeError(position, value, 'number');
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) {
    throw new OperandError(`operand ${position} must be integer number but got floating-point number`);
  }
  return BigInt(value);
}

/** The operand as a list of strings: a string, or an array (or set) of strings. */
export function stringsOperand(value: unknown, position: number): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) operandTypeError(position, value, 'string', 'set', 'array');
  return value.map((element: unknown) => {
    if (typeof element !== 'string') operandTypeError(position, element, 'string');
    return element;
  });
}

/** Go's `int64` range, which OPA's integer operands and nanosecond times live in. */
export const INT64_MIN = -(2n ** 63n);
/** Upper end of Go's `int64` range. */
export const INT64_MAX = 2n ** 63n - 1n;

/** Floor division for bigints (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Floor modulo for bigints: the result has the divisor's sign. */
export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}
