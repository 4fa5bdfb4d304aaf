/**
 * strings.any_prefix_match and strings.any_suffix_match: whether any of the search strings
 * starts (ends) with any of the bases. Each operand is a string or an array/set of strings.
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringsOperand } from './operands.ts';

function anyPrefixMatch(_context: BuiltinContext, search: unknown, base: unknown): BuiltinValue {
  const strings = stringsOperand(search, 1);
  const prefixes = stringsOperand(base, 2);
  return strings.some((s) => prefixes.some((p) => s.startsWith(p)));
}

function anySuffixMatch(_context: BuiltinContext, search: unknown, base: unknown): BuiltinValue {
  const strings = stringsOperand(search, 1);
  const suffixes = stringsOperand(base, 2);
  return strings.some((s) => suffixes.some((p) => s.endsWith(p)));
}

/** The strings.* builtins the wasm lacks, by OPA name. */
export const STRINGS_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'strings.any_prefix_match': { impl: anyPrefixMatch, arity: 2 },
  'strings.any_suffix_match': { impl: anySuffixMatch, arity: 2 },
};
