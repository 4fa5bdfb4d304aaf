/**
 * rand.intn(key, n): a random integer in [0, |n|), the same one for the same key and n within
 * an evaluation (OPA caches it per query). The SDK's capabilities list it but the SDK does not
 * implement it, so the host must.
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import { OperandError } from './builtin-error.ts';
import { INT64_MAX, INT64_MIN, integerOperand, stringOperand } from './operands.ts';

/** A uniform integer in [0, n) from strong random bytes, by rejection sampling. */
function uniformBelow(context: BuiltinContext, n: bigint): bigint {
  const span = 1n << 64n;
  const limit = span - (span % n);
  for (;;) {
    const bytes = context.randomBytes(8);
    const x = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
    if (x < limit) return x % n;
  }
}

function intn(context: BuiltinContext, keyArg: unknown, nArg: unknown): BuiltinValue {
  const key = stringOperand(keyArg, 1);
  let n = integerOperand(nArg, 2);
  if (n < INT64_MIN || n > INT64_MAX)
    throw new OperandError('operand 2 must be integer number but got floating-point number');
  if (n === 0n) return 0;
  if (n < 0n) n = -n;
  const cacheKey = `rand.intn:${key}-${n}`;
  const cached = context.cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const result = integerResult(uniformBelow(context, n));
  context.cache.set(cacheKey, result);
  return result;
}

/** The rand.* builtins, by OPA name. */
export const RAND_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'rand.intn': { impl: intn, arity: 2 },
};
