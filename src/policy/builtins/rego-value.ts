/**
 * Rego values with their types, for the host builtins whose answer depends on whether an argument
 * is a set (json.patch, net.cidr_contains_matches, sprintf) or that return sets. JSON cannot say
 * so: the wasm's `opa_json_dump` writes a set as an array. These builtins take their arguments as
 * the text of `opa_value_dump` instead (OPA's wasm/src/json.c with set literals, non-string object
 * keys and spacing on: `{1, 2}`, `set()`, `{[1]: "a"}`), parsed here into a form that keeps sets
 * apart from arrays and every number as its text, and return values written here in the syntax
 * `opa_value_parse` reads.
 *
 * Order and equality are OPA's (v1/ast/compare.go): null < booleans < numbers < strings < arrays <
 * objects < sets; numbers by exact value (1 = 1.0), strings by UTF-8 bytes, arrays element by
 * element, objects and sets over their sorted keys. Sets and objects are kept sorted, so printing
 * them in OPA's order (ast String, what sprintf prints) is a walk.
 */
import { goQuote } from './go-fmt.ts';

/** A Rego number as the text the wasm wrote (`1.0` and big integers kept exact). */
export class RegoNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** A Rego set: distinct elements in OPA's order. */
export class RegoSet {
  readonly elements: readonly RegoValue[];

  private constructor(elements: readonly RegoValue[]) {
    this.elements = elements;
  }

  /** The set of `values` (duplicates dropped, sorted). */
  static of(values: Iterable<RegoValue>): RegoSet {
    return new RegoSet(sortedDistinct([...values], (v) => v));
  }

  /** Whether `value` is an element. */
  has(value: RegoValue): boolean {
    return search(this.elements, value, (v) => v) >= 0;
  }
}

/** A Rego object: keys of any type, entries in OPA's key order. */
export class RegoObject {
  readonly entries: readonly (readonly [RegoValue, RegoValue])[];

  private constructor(entries: readonly (readonly [RegoValue, RegoValue])[]) {
    this.entries = entries;
  }

  /** The object of `entries` (a later entry for an equal key wins, as in an object literal). */
  static of(entries: Iterable<readonly [RegoValue, RegoValue]>): RegoObject {
    return new RegoObject(sortedDistinct([...entries].reverse(), (e) => e[0]));
  }

  /** The value at `key`, or undefined. */
  get(key: RegoValue): RegoValue | undefined {
    const i = search(this.entries, key, (e) => e[0]);
    return i < 0 ? undefined : this.entries[i]?.[1];
  }
}

/** A Rego array. */
export type RegoArray = readonly RegoValue[];

/** Any Rego value a builtin can receive or return. */
export type RegoValue = null | boolean | string | RegoNumber | RegoArray | RegoObject | RegoSet;

/** Sorts by `key` with compareRego and keeps the first of equal keys. */
function sortedDistinct<T>(items: T[], key: (item: T) => RegoValue): T[] {
  const sorted = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => compareRego(key(a.item), key(b.item)) || a.index - b.index);
  const out: T[] = [];
  let last: RegoValue | undefined;
  for (const { item } of sorted) {
    if (out.length > 0 && compareRego(last ?? null, key(item)) === 0) continue;
    out.push(item);
    last = key(item);
  }
  return out;
}

function search<T>(items: readonly T[], value: RegoValue, key: (item: T) => RegoValue): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareRego(key(items[mid] as T), value);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** OPA's name for a value's type (ast.ValueName), as its error messages use it. */
export function regoTypeOf(value: RegoValue): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set' {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (value instanceof RegoNumber) return 'number';
  if (value instanceof RegoObject) return 'object';
  if (value instanceof RegoSet) return 'set';
  return 'array';
}

/** Whether a value is an array (narrows the union). */
export function isRegoArray(value: RegoValue): value is RegoArray {
  return Array.isArray(value);
}

/** Whether a value is an array, object or set. */
export function isComposite(value: RegoValue): value is RegoArray | RegoObject | RegoSet {
  return Array.isArray(value) || value instanceof RegoObject || value instanceof RegoSet;
}

const TYPE_ORDER = { null: 0, boolean: 1, number: 2, string: 3, array: 7, object: 8, set: 9 } as const;

/** OPA's order of two values (ast.Compare): negative, zero or positive. */
export function compareRego(a: RegoValue, b: RegoValue): number {
  if (a === b) return 0;
  const ta = regoTypeOf(a);
  const tb = regoTypeOf(b);
  if (ta !== tb) return TYPE_ORDER[ta] - TYPE_ORDER[tb];
  if (typeof a === 'boolean') return a ? 1 : -1; // a !== b, so b is the other boolean
  if (typeof a === 'string') return compareUtf8(a, b as string);
  if (a instanceof RegoNumber) return compareNumbers(a.text, (b as RegoNumber).text);
  if (a instanceof RegoSet) return compareLists(a.elements, (b as RegoSet).elements);
  if (a instanceof RegoObject) {
    const x = a.entries;
    const y = (b as RegoObject).entries;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const [kx, vx] = x[i] as readonly [RegoValue, RegoValue];
      const [ky, vy] = y[i] as readonly [RegoValue, RegoValue];
      const c = compareRego(kx, ky) || compareRego(vx, vy);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  if (a === null) return 0;
  return compareLists(a, b as RegoArray);
}

/** Element by element, then by length (Go's slices.CompareFunc). */
function compareLists(x: RegoArray, y: RegoArray): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareRego(x[i] as RegoValue, y[i] as RegoValue);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/** Whether two values are equal in Rego (1 = 1.0, sets by their elements). */
export function regoEqual(a: RegoValue, b: RegoValue): boolean {
  return compareRego(a, b) === 0;
}

/** Go's string order: UTF-8 bytes, which is code point order. */
function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points past U+FFFF) sort after every other UTF-16 unit in UTF-8.
    const hx = x >= 0xd800 && x <= 0xdfff;
    const hy = y >= 0xd800 && y <= 0xdfff;
    if (hx !== hy) return hx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A number's exact value: sign, significant digits without trailing zeros, and a power of ten. */
interface ExactNumber {
  sign: -1 | 0 | 1;
  digits: string;
  exp: bigint;
}

const NUMBER_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function exactNumber(text: string): ExactNumber | undefined {
  const m = NUMBER_PARTS.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return undefined;
  const all = (whole + fraction).replace(/^0+/, '');
  if (all === '') return { sign: 0, digits: '', exp: 0n };
  const digits = all.replace(/0+$/, '');
  const exp = BigInt(exponent) - BigInt(fraction.length) + BigInt(all.length - digits.length);
  return { sign: sign === '-' ? -1 : 1, digits, exp };
}

/** Compares two number texts by exact value (OPA's NumberCompare). */
export function compareNumbers(x: string, y: string): number {
  if (x === y) return 0;
  const a = exactNumber(x);
  const b = exactNumber(y);
  if (a === undefined || b === undefined) return Math.sign(Number(x) - Number(y));
  if (a.sign !== b.sign) return a.sign - b.sign;
  if (a.sign === 0) return 0;
  const magnitudeA = BigInt(a.digits.length) + a.exp;
  const magnitudeB = BigInt(b.digits.length) + b.exp;
  let c: number;
  if (magnitudeA !== magnitudeB) c = magnitudeA < magnitudeB ? -1 : 1;
  else c = a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
  return a.sign * c;
}

/** A number text as an integer (OPA's `Number.Int`, util.Atoi64: `1.0` is 1), or undefined. */
export function numberToInt(text: string): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(0*))?$/.exec(text);
  if (m === null) return undefined;
  const [, sign = '', digits = ''] = m;
  if (text.length - sign.length === 0 || text.length - sign.length > 19) return undefined;
  const n = digits === '' ? 0n : BigInt(digits);
  const value = sign === '-' ? -n : n;
  return value < -(2n ** 63n) || value >= 2n ** 63n ? undefined : value;
}

/** The deepest nesting parseRegoValue accepts (the parser and its users recurse). */
export const MAX_DEPTH = 1000;

/**
 * Parses the text `opa_value_dump` writes: null, true, false, numbers (their text kept; the
 * wasm's `.5` accepted), JSON strings, arrays, objects with keys of any type, sets and `set()`.
 * Throws on anything else, and on nesting deeper than {@link MAX_DEPTH}.
 */
export function parseRegoValue(text: string): RegoValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot read the value the wasm wrote: ${what} at offset ${i}`);
  };
  const ws = (): void => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(i)) i++;
  };
  const expect = (ch: string): void => {
    ws();
    if (text[i] !== ch) fail(`expected ${ch}`);
    i++;
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, i)) fail('unexpected text');
    i += word.length;
  };
  const string = (): string => {
    const start = i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad string escape');
    }
  };
  const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): RegoValue => {
    if (depth > MAX_DEPTH) fail(`value nested deeper than ${MAX_DEPTH}`);
    ws();
    const c = text[i];
    switch (c) {
      case '"':
        return string();
      case 'n':
        literal('null');
        return null;
      case 't':
        literal('true');
        return true;
      case 'f':
        literal('false');
        return false;
      case 's':
        literal('set(');
        expect(')');
        return RegoSet.of([]);
      case '[': {
        i++;
        const items: RegoValue[] = [];
        ws();
        if (text[i] === ']') {
          i++;
          return items;
        }
        for (;;) {
          items.push(value(depth + 1));
          ws();
          const sep = text[i++];
          if (sep === ']') return items;
          if (sep !== ',') fail('expected , or ]');
        }
      }
      case '{': {
        i++;
        ws();
        if (text[i] === '}') {
          i++;
          return RegoObject.of([]);
        }
        const first = value(depth + 1);
        ws();
        if (text[i] === ':') {
          i++;
          const entries: [RegoValue, RegoValue][] = [[first, value(depth + 1)]];
          for (;;) {
            ws();
            const sep = text[i++];
            if (sep === '}') return RegoObject.of(entries);
            if (sep !== ',') fail('expected , or }');
            const key = value(depth + 1);
            expect(':');
            entries.push([key, value(depth + 1)]);
          }
        }
        const elements: RegoValue[] = [first];
        for (;;) {
          ws();
          const sep = text[i++];
          if (sep === '}') return RegoSet.of(elements);
          if (sep !== ',') fail('expected , or }');
          elements.push(value(depth + 1));
        }
      }
      default: {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (m === null) return fail('unexpected text');
        i += m[0].length;
        return new RegoNumber(m[0]);
      }
    }
  };
  const out = value(0);
  ws();
  if (i !== text.length) fail('trailing text');
  return out;
}

/** A number text as `opa_value_parse` reads it (a JSON number: `.5` becomes `0.5`). */
function numberText(text: string): string {
  const normal = text.replace(/^(-?)\./, '$10.');
  if (!/^-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$/.test(normal)) throw new Error(`not a number: ${text}`);
  return normal;
}

/**
 * Writes a value in the syntax `opa_value_parse` reads: JSON, with sets as `{a, b}` and
 * `set()`, and object keys of any type. Strings are JSON-escaped (lone surrogates, which UTF-8
 * cannot carry, become U+FFFD).
 */
export function writeRegoValue(value: RegoValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value.toWellFormed());
  if (value instanceof RegoNumber) return numberText(value.text);
  if (value instanceof RegoSet)
    return value.elements.length === 0 ? 'set()' : `{${value.elements.map(writeRegoValue).join(', ')}}`;
  if (value instanceof RegoObject)
    return `{${value.entries.map(([k, v]) => `${writeRegoValue(k)}: ${writeRegoValue(v)}`).join(', ')}}`;
  return `[${value.map(writeRegoValue).join(', ')}]`;
}

/**
 * A value as OPA prints it (ast.Value String, what sprintf passes for a composite and OPA's
 * error messages quote): strings quoted as Go's strconv.Quote does, numbers as written, sets and
 * objects in OPA's order.
 */
export function regoString(value: RegoValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return goQuote(value);
  if (value instanceof RegoNumber) return value.text;
  if (value instanceof RegoSet)
    return value.elements.length === 0 ? 'set()' : `{${value.elements.map(regoString).join(', ')}}`;
  if (value instanceof RegoObject)
    return `{${value.entries.map(([k, v]) => `${regoString(k)}: ${regoString(v)}`).join(', ')}}`;
  return `[${value.map(regoString).join(', ')}]`;
}

/** A string equal for equal values and only for them (1 and 1.0 alike): a key for a Map. */
export function regoKey(value: RegoValue): string {
  if (value instanceof RegoNumber) {
    const n = exactNumber(value.text);
    return n === undefined ? `n${value.text}` : n.sign === 0 ? 'n0' : `n${n.sign < 0 ? '-' : ''}${n.digits}e${n.exp}`;
  }
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RegoSet) return `s{${value.elements.map(regoKey).join(',')}}`;
  if (value instanceof RegoObject)
    return `o{${value.entries.map(([k, v]) => `${regoKey(k)}:${regoKey(v)}`).join(',')}}`;
  return `[${value.map(regoKey).join(',')}]`;
}
