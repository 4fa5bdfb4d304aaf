/**
 * sprintf(format, values) as OPA's Go evaluator computes it (topdown/strings.go
 * builtinSprintf): each value becomes a Go argument by the text of its number (a number written
 * with `.`, `e` or `E` is a float64, else an int64, else a *big.Int), a string stays a string,
 * and any other value is printed in Rego's term syntax (`["a", 1]`, `{"k": true}`, `{"a", "b"}`,
 * `set()`) and passed as a string; then Go's fmt.Sprintf (go-fmt.ts). It replaces the SDK's
 * JavaScript sprintf, which printed arrays as `a,b`, objects as `[object Object]` and rounded big
 * integers.
 *
 * It takes typed Rego values (regoArguments: what the wasm's `opa_value_dump` writes), so `1.0`
 * and `1` and integers past 2^53 arrive as written, and a set prints as a set, in OPA's order.
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { operandTypeError } from './builtin-error.ts';
import { goSprintf, type GoArg } from './go-fmt.ts';
import { RegoNumber, isRegoArray, regoString, type RegoValue } from './rego-value.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A number's text as OPA's sprintf types it. */
function numberArg(text: string): GoArg {
  if (/[.eE]/.test(text)) {
    const f = Number(text.replace(/^(-?)\./, '$10.'));
    return Number.isFinite(f) ? { kind: 'float64', value: f } : { kind: 'string', value: text };
  }
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? { kind: 'int64', value: n } : { kind: 'big', value: n };
}

function toArg(v: RegoValue): GoArg {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (v instanceof RegoNumber) return numberArg(v.text);
  return { kind: 'string', value: regoString(v) };
}

function sprintf(_context: BuiltinContext, format: unknown, values: unknown): string {
  if (typeof format !== 'string') operandTypeError(1, format, 'string');
  const list = values as RegoValue;
  if (!isRegoArray(list)) operandTypeError(2, list, 'array');
  return goSprintf(format, list.map(toArg));
}

/** sprintf, by OPA name; its arguments arrive as typed Rego values. */
export const SPRINTF_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  sprintf: { impl: sprintf, arity: 2, regoArguments: true },
};
