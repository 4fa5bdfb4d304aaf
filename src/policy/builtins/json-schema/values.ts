/**
 * The JSON documents gojsonschema works on, as Go holds them after `decoder.UseNumber()`:
 * numbers keep their text (json.Number), objects are maps. Ports jsonLoader.go's loaders (string
 * and Go-value loaders, decodeJSONUsingNumber), utils.go's marshalWithoutNumber and the parts of
 * encoding/json they reach (Marshal's sorted keys and HTML-safe string escaping, float64
 * formatting), and OPA's ast.JSON conversion of Rego values (v1/ast/term.go valueToInterface).
 */
import { RegoNumber, RegoObject, RegoSet, type RegoValue } from '../rego-value.ts';

/** encoding/json decode.go's Number: a number kept as the text it was written with. */
export class GoNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** jsonLoader.go decodeJSONUsingNumber's result: Go's `any` (objects are Go maps). */
export type JsonValue = null | boolean | string | GoNumber | JsonValue[] | JsonMap;

/** A JSON object: Go's map[string]any as jsonLoader.go decodes it. */
export type JsonMap = Map<string, JsonValue>;

/** schema.go and validation.go's `m, isMap := x.(map[string]any)`. */
export function isMap(value: JsonValue | undefined): value is JsonMap {
  return value instanceof Map;
}

/**
 * Go's string order (strings.Compare: bytes of UTF-8, which is code point order). Every place Go iterates a map
 * (random order) iterates keys in this order here instead, so regent's answers are fixed.
 */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** The keys of a map in {@link compareGoStrings} order, for each `for k := range m` of schema.go, schemaPool.go and validation.go. */
export function sortedKeys(m: JsonMap): string[] {
  return [...m.keys()].sort(compareGoStrings);
}

/**
 * jsonLoader.go jsonStringLoader after OPA's `json.Valid` pre-check (jsonschema.go): undefined for text that is not one valid
 * JSON value; lone surrogates become U+FFFD as Go's decoder makes them.
 */
export function decodeJsonText(text: string): JsonValue | undefined {
  if (nestingDepth(text) > MAX_NESTING_DEPTH) return undefined;
  try {
    return JSON.parse(text, reviveGo) as JsonValue;
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** encoding/json's scanner refuses values nested deeper than this (`exceeded max depth`). */
const MAX_NESTING_DEPTH = 10_000;

/** The deepest nesting of arrays and objects in a JSON text (brackets inside strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function reviveGo(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number') return new GoNumber(context?.source ?? String(value));
  if (typeof value === 'string') return value.toWellFormed();
  if (value === null || typeof value === 'boolean' || Array.isArray(value)) return value;
  if (value instanceof Map || value instanceof GoNumber) return value;
  const m: JsonMap = new Map();
  for (const [k, v] of Object.entries(value as Record<string, JsonValue>)) m.set(k.toWellFormed(), v);
  return m;
}

/**
 * OPA's ast.JSON (v1/ast/term.go valueToInterface) followed by jsonLoader.go jsonGoLoader's marshal and decode: sets become
 * arrays, a non-string object key becomes its JSON text (json.Encoder, HTML-escaped).
 */
export function fromRego(value: RegoValue): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toWellFormed();
  if (value instanceof RegoNumber) return new GoNumber(value.text);
  if (value instanceof RegoSet) return value.elements.map(fromRego);
  if (value instanceof RegoObject) {
    const m: JsonMap = new Map();
    for (const [k, v] of value.entries) {
      const key = typeof k === 'string' ? k.toWellFormed() : marshalJson(fromRego(k), 'text');
      m.set(key, fromRego(v));
    }
    return m;
  }
  return value.map(fromRego);
}

/** encoding/json encode.go appendString with HTML escaping (Marshal's default). */
export function quoteJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&') out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`;
    else out += ch;
  }
  return `${out}"`;
}

/** encoding/json decode.go's error for a number float64 cannot hold. */
export class JsonNumberError extends Error {}

/**
 * encoding/json encode.go floatEncoder: shortest digits, exponent form below 1e-6 and from 1e21 on
 * with a single-digit negative exponent (`1e-7`), `-0` kept.
 */
export function formatGoFloat(x: number): string {
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/**
 * encoding/json json.Marshal of a decoded value (utils.go marshalToJSONString): `text` writes numbers as their text (marshalToJSONString),
 * `float` first turns them into float64 as marshalWithoutNumber's decode without UseNumber does.
 */
export function marshalJson(value: JsonValue, numbers: 'text' | 'float'): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return quoteJsonString(value);
  if (value instanceof GoNumber) {
    if (numbers === 'text') return value.text;
    const x = Number(value.text);
    if (!Number.isFinite(x))
      throw new JsonNumberError(`json: cannot unmarshal number ${value.text} into Go value of type float64`);
    return formatGoFloat(x);
  }
  if (Array.isArray(value)) return `[${value.map((v) => marshalJson(v, numbers)).join(',')}]`;
  return `{${sortedKeys(value)
    .map((k) => `${quoteJsonString(k)}:${marshalJson(value.get(k) ?? null, numbers)}`)
    .join(',')}}`;
}

/** utils.go marshalWithoutNumber: the JSON text with numbers normalised through float64 (1.0 equals 1). */
export function marshalWithoutNumber(value: JsonValue): string {
  return marshalJson(value, 'float');
}
