/**
 * Exact numbers across the SDK's JSON boundary. opa-wasm hands a builtin its arguments through
 * `JSON.parse` and takes the result back through `JSON.stringify`, so a JavaScript number would
 * round every integer beyond 2^53 (every nanosecond timestamp after April 1970).
 *
 * Results: a value that a double cannot hold is returned as `JSON.rawJSON(text)` (Node >= 21),
 * which `JSON.stringify` emits verbatim, so the wasm receives the exact digits.
 * Arguments: {@link parseJsonExact} parses integer literals beyond 2^53 as `bigint`; the
 * dispatcher (exact-arguments.ts) uses it while the SDK decodes a time builtin's arguments.
 */

/** A JSON fragment that `JSON.stringify` emits verbatim (what `JSON.rawJSON` returns). */
export interface RawJson {
  readonly rawJSON: string;
}

/** A value a builtin may return: JSON, with exact numbers as {@link RawJson}. */
export type BuiltinValue =
  null | boolean | number | string | RawJson | readonly BuiltinValue[] | { readonly [key: string]: BuiltinValue };

interface JsonWithRaw {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
}

const jsonWithRaw = JSON as unknown as Partial<JsonWithRaw>;

if (typeof jsonWithRaw.rawJSON !== 'function' || typeof jsonWithRaw.isRawJSON !== 'function') {
  throw new Error('JSON.rawJSON is missing: regent needs Node >= 22 for exact numbers in builtins');
}

const rawJSON = jsonWithRaw.rawJSON.bind(JSON);

/** `JSON.rawJSON`: a fragment `JSON.stringify` emits verbatim (text must be a JSON primitive). */
export const rawJson: (text: string) => RawJson = rawJSON;

/** Whether `value` came from `JSON.rawJSON`. */
export const isRawJson: (value: unknown) => value is RawJson = jsonWithRaw.isRawJSON.bind(JSON);

/** An integer as a JSON number: a plain number when a double holds it exactly, else raw digits. */
export function integerResult(value: bigint): number | RawJson {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : rawJSON(value.toString());
}

/**
 * A decimal JSON number text as a builtin result: a plain number when the double it parses to
 * prints back as the same decimal value, else the exact text.
 */
export function decimalResult(text: string): number | RawJson {
  const asNumber = Number(text);
  if (Number.isFinite(asNumber) && sameDecimal(String(asNumber), text)) return asNumber;
  return rawJSON(text);
}

/** Whether two JSON number texts denote the same decimal value (1.50 and 1.5e0 do). */
export function sameDecimal(a: string, b: string): boolean {
  const x = canonicalDecimal(a);
  return x !== undefined && x === canonicalDecimal(b);
}

/** A canonical form `<sign><digits>e<exp>` of a JSON number text, without trailing zeros. */
export function canonicalDecimal(text: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  let digits = (whole + fraction).replace(/^0+/, '');
  let exp = BigInt(exponent) - BigInt(fraction.length);
  if (digits === '') return '0';
  const trimmed = digits.replace(/0+$/, '');
  exp += BigInt(digits.length - trimmed.length);
  digits = trimmed;
  return `${sign}${digits}e${exp}`;
}

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
type PlainReviver = (this: unknown, key: string, value: unknown) => unknown;

/** Keeps integer literals a double cannot hold as `bigint`; everything else as JSON.parse does. */
const exactReviver: Reviver = function (_key, value, context) {
  if (
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
};

/** JSON.parse, except that integers beyond 2^53 come back as exact `bigint`s. */
export function parseJsonExact(text: string, parse: typeof JSON.parse = JSON.parse): unknown {
  const reviver: PlainReviver = exactReviver;
  return parse(text, reviver);
}
