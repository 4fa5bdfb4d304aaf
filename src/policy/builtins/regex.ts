/**
 * regex.replace(s, pattern, value): every match of the Go pattern replaced by the template with
 * `$1` / `${name}` expanded, with Go's `ReplaceAllString` semantics, on re2js (RE2 itself).
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { compileRe2, replaceAll } from './go-regexp-replace.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';

function replace(_context: BuiltinContext, base: unknown, pattern: unknown, value: unknown): BuiltinValue {
  const s = stringOperand(base, 1);
  const p = stringOperand(pattern, 2);
  const template = stringOperand(value, 3);
  return replaceAll(compileRe2(p), s, template);
}

/** The regex.* builtins the wasm and the SDK lack, by OPA name. */
export const REGEX_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'regex.replace': { impl: replace, arity: 3 },
};
