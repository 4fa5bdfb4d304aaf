/**
 * hex.*, urlquery.*, base64url.encode_no_pad and strings.count, as OPA implements them on Go's
 * encoding/hex, net/url (QueryEscape, QueryUnescape, Values.Encode, ParseQuery) and strings.Count.
 * Byte strings that are not UTF-8 come back with U+FFFD, as OPA's JSON output shows them.
 */
import { base64url } from 'jose';
import { OperandError, operandTypeError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';
import { RegoObject, RegoSet, isRegoArray } from './rego-value.ts';

const utf8 = new TextDecoder();

/** Go's url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ percent-encoded, space as +. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's url.QueryUnescape: + as space, %XX as a byte; `invalid URL escape "%zz"` otherwise. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  const text = Buffer.from(s, 'utf8');
  for (let i = 0; i < text.length; i++) {
    const b = text[i] ?? 0;
    if (b === 0x25) {
      const hex = text.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new Error(`invalid URL escape ${JSON.stringify(utf8.decode(text.subarray(i, i + 3)))}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(b === 0x2b ? 0x20 : b);
  }
  return utf8.decode(new Uint8Array(bytes));
}

/**
 * OPA turns the object into JSON first (ast.JSON: a set becomes its elements in OPA's sorted
 * order), so it takes typed Rego values (`regoArguments`): on the JSON path a set arrived in the
 * wasm's hash order. A non-string key, which JSON cannot hold, is refused with the values' error.
 */
function urlqueryEncodeObject(_context: BuiltinContext, value: unknown): BuiltinValue {
  if (!(value instanceof RegoObject)) operandTypeError(1, value, 'object');
  const pairs: [string, string][] = [];
  for (const [key, v] of value.entries) {
    const values = typeof v === 'string' ? [v] : isRegoArray(v) ? v : v instanceof RegoSet ? v.elements : undefined;
    if (typeof key !== 'string' || values?.every((x) => typeof x === 'string') !== true) {
      throw new OperandError('operand 1 values must be string, array[string], or set[string]');
    }
    for (const x of values) pairs.push([key, x]);
  }
  // Values.Encode sorts by key (bytewise) and keeps each key's values in order.
  const keys = [...new Set(pairs.map(([k]) => k))].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return keys
    .flatMap((k) => pairs.filter(([pk]) => pk === k).map(([, v]) => `${queryEscape(k)}=${queryEscape(v)}`))
    .join('&');
}

function urlqueryDecodeObject(_context: BuiltinContext, value: unknown): BuiltinValue {
  const query = stringOperand(value, 1);
  const result: Record<string, string[]> = {};
  let firstError: Error | undefined;
  for (const part of query.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      firstError ??= new Error('invalid semicolon separator in query');
      continue;
    }
    const eq = part.indexOf('=');
    const [rawKey, rawValue] = eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    try {
      const key = queryUnescape(rawKey);
      const v = queryUnescape(rawValue);
      (result[key] ??= []).push(v);
    } catch (err) {
      firstError ??= err as Error;
    }
  }
  if (firstError !== undefined) throw firstError;
  return result;
}

function hexDecode(_context: BuiltinContext, value: unknown): BuiltinValue {
  const s = Buffer.from(stringOperand(value, 1), 'utf8');
  const invalid = (b: number): Error => {
    const c = String.fromCharCode(b);
    return new Error(
      `encoding/hex: invalid byte: U+${b.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(c).replace(/^"|"$/g, "'")}`,
    );
  };
  const isHex = (b: number | undefined): boolean => b !== undefined && /^[0-9a-fA-F]$/.test(String.fromCharCode(b));
  const pairs = Math.floor(s.length / 2);
  for (let i = 0; i < pairs * 2; i++) if (!isHex(s[i])) throw invalid(s[i] ?? 0);
  if (s.length % 2 === 1) {
    if (!isHex(s[s.length - 1])) throw invalid(s[s.length - 1] ?? 0);
    throw new Error('encoding/hex: odd length hex string');
  }
  return utf8.decode(Buffer.from(s.toString('latin1'), 'hex'));
}

function stringsCount(_context: BuiltinContext, search: unknown, substring: unknown): BuiltinValue {
  const s = stringOperand(search, 1);
  const sub = stringOperand(substring, 2);
  if (sub === '') return Array.from(s).length + 1; // Go counts runes (code points), not graphemes
  return s.split(sub).length - 1;
}

/** The encoding builtins the wasm lacks, by OPA name. */
export const ENCODING_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'base64url.encode_no_pad': {
    arity: 1,
    impl: (_c, v) => base64url.encode(Buffer.from(stringOperand(v, 1), 'utf8')),
  },
  'hex.encode': { arity: 1, impl: (_c, v) => Buffer.from(stringOperand(v, 1), 'utf8').toString('hex') },
  'hex.decode': { arity: 1, impl: hexDecode },
  'urlquery.encode': { arity: 1, impl: (_c, v) => queryEscape(stringOperand(v, 1)) },
  'urlquery.decode': { arity: 1, impl: (_c, v) => queryUnescape(stringOperand(v, 1)) },
  'urlquery.encode_object': { arity: 1, impl: urlqueryEncodeObject, regoArguments: true },
  'urlquery.decode_object': { arity: 1, impl: urlqueryDecodeObject },
  'strings.count': { arity: 2, impl: stringsCount },
};
