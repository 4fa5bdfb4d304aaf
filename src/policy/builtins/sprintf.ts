/**
 * sprintf(format, values) as OPA's Go evaluator computes it (topdown/strings.go
 * builtinSprintf): each value becomes a Go argument by the text of its JSON number (a number
 * written with `.`, `e` or `E` is a float64, else an int64, else a *big.Int), a string stays a
 * string, and any other value is printed in Rego's term syntax (`["a", 1]`, `{"k": true}`) and
 * passed as a string; then Go's fmt.Sprintf (go-fmt.ts). It replaces the SDK's JavaScript
 * sprintf, which printed arrays as `a,b`, objects as `[object Object]` and rounded big integers.
 *
 * It takes its arguments as the JSON texts the wasm wrote (rawArguments), so `1.0` and `1` and
 * integers past 2^53 arrive as written. Knowingly different: a set arrives as a JSON array and
 * prints as `[...]` where OPA prints `{...}`.
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { OperandError } from './builtin-error.ts';
import { goQuote, goSprintf, type GoArg } from './go-fmt.ts';

/** A JSON value with numbers kept as their text. */
type Raw = null | boolean | string | { num: string } | Raw[] | { obj: [string, Raw][] };

/** Parses JSON text keeping every number's text (and tolerating the wasm's `.5` / `-.5`). */
export function parseRawJson(text: string): Raw {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const value = (): Raw => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: [string, Raw][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { obj };
      }
      for (;;) {
        ws();
        const key = value();
        if (typeof key !== 'string') throw new Error('object key is not a string');
        ws();
        if (text[i++] !== ':') throw new Error('expected :');
        obj.push([key, value()]);
        ws();
        const sep = text[i++];
        if (sep === '}') return { obj };
        if (sep !== ',') throw new Error('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const arr: Raw[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return arr;
        if (sep !== ',') throw new Error('expected , or ]');
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/su.exec(text.slice(i));
      if (m === null) throw new Error('unterminated string');
      i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    const m = /^(?:true|false|null|-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (m === null) throw new Error(`unexpected JSON at ${i}`);
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return { num: m[0] };
  };
  const out = value();
  ws();
  if (i !== text.length) throw new Error('trailing JSON text');
  return out;
}

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

/** Rego's term syntax for a value (ast.Value.String): what OPA passes for composites. */
export function regoString(v: Raw): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return goQuote(v);
  if (Array.isArray(v)) return `[${v.map(regoString).join(', ')}]`;
  if ('num' in v) return v.num;
  const entries = [...v.obj].sort(([a], [b]) => compareUtf8(a, b));
  return `{${entries.map(([k, x]) => `${goQuote(k)}: ${regoString(x)}`).join(', ')}}`;
}

const utf8 = new TextEncoder();

/** Go's string order (bytes of UTF-8). */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = (x[k] ?? 0) - (y[k] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function toArg(v: Raw): GoArg {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (v !== null && typeof v === 'object' && 'num' in v) return numberArg(v.num);
  return { kind: 'string', value: regoString(v) };
}

function sprintf(_context: BuiltinContext, formatText: unknown, valuesText: unknown): string {
  const format = parseRawJson(String(formatText));
  if (typeof format !== 'string') throw new OperandError('operand 1 must be string', 'eval_type_error');
  const values = parseRawJson(String(valuesText));
  if (!Array.isArray(values)) throw new OperandError('operand 2 must be array', 'eval_type_error');
  return goSprintf(format, values.map(toArg));
}

/** sprintf, by OPA name; its arguments arrive as raw JSON texts. */
export const SPRINTF_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  sprintf: { impl: sprintf, arity: 2, rawArguments: true },
};
