/**
 * json.match_schema and json.verify_schema as OPA's Go evaluator computes them
 * (v1/topdown/jsonschema.go) over a port of OPA's copy of gojsonschema
 * (internal/gojsonschema): drafts 4, 6 and 7 detected from `$schema` (undeclared: gojsonschema's
 * Hybrid), its error types, English texts and `field` paths, format checkers, local `$ref`,
 * `definitions` and `$id` resolution, and the built-in meta-schemas. Remote and `file://`
 * references are refused (`remote reference loading disabled: <ref>`, the error OPA gives when
 * `allow_net` excludes the host): a policy never reaches the network or the disk.
 *
 * This folder owns the port and imports only the builtins' shared Go ports (go-url.ts,
 * go-time-parse.ts, go-regexp-replace.ts, net.ts) and rego-value.ts. Where Go ranges over a map
 * keys are taken in sorted order (see schema.ts and validation.ts): OPA's own order of several
 * errors about one object changes from run to run.
 */
import { OperandError } from '../builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from '../context.ts';
import type { BuiltinValue } from '../json-numbers.ts';
import { RegoObject, isRegoArray, writeRegoValue, type RegoValue } from '../rego-value.ts';
import { errorString } from './errors.ts';
import { compileSchema, type Schema } from './schema.ts';
import { validateDocument } from './validation.ts';
import { decodeJsonText, fromRego, type JsonValue } from './values.ts';

/** jsonschema.go astValueToJSONSchemaLoader followed by the loader's LoadJSON. */
function load(value: RegoValue): JsonValue {
  if (typeof value === 'string') {
    const decoded = decodeJsonText(value);
    if (decoded === undefined) throw new Error('invalid JSON string');
    return decoded;
  }
  if (value instanceof RegoObject || isRegoArray(value)) return fromRego(value);
  throw new Error('wrong type, expected string or object');
}

/**
 * The port recurses on JavaScript's stack; what nests too deeply for it (about a thousand levels,
 * or a `$ref` loop) fails the call with this text rather than V8's.
 */
const TOO_DEEP = 'the document or schema nests too deeply';

/** builtinJSONSchemaVerify: `[true, null]`, or `[false, "jsonschema: <error>"]`. */
function verifySchema(_context: BuiltinContext, schema: unknown): BuiltinValue {
  try {
    compileSchema(load(schema as RegoValue));
  } catch (e) {
    if (e instanceof RangeError) throw new OperandError(TOO_DEEP);
    return [false, `jsonschema: ${e instanceof Error ? e.message : String(e)}`];
  }
  return [true, null];
}

/** builtinJSONMatchSchema: `[valid, errors]`; an unreadable document or invalid schema is a builtin error. */
function matchSchema(context: BuiltinContext, document: unknown, schema: unknown): BuiltinValue {
  try {
    return matchSchemaDeep(context, document, schema);
  } catch (e) {
    if (e instanceof RangeError) throw new OperandError(TOO_DEEP);
    throw e;
  }
}

/** Compiled schemas kept between calls (at most this many), as OPA's inter-query cache keeps them. */
const CACHE_LIMIT = 64;
/** Schemas whose text is longer than this are compiled every time rather than kept. */
const CACHE_KEY_LIMIT = 100_000;
const compiledSchemas = new Map<string, Schema>();

/**
 * The schema compiled, or taken from the cache. A compiled Schema is only read by validation, so
 * sharing it is safe; only schemas that compile are kept (OPA's builtin caches them the same way).
 */
function compiledSchema(schema: RegoValue): Schema {
  const key = typeof schema === 'string' ? `s${schema}` : `v${writeRegoValue(schema)}`;
  const cached = compiledSchemas.get(key);
  if (cached !== undefined) {
    compiledSchemas.delete(key);
    compiledSchemas.set(key, cached);
    return cached;
  }
  const compiled = compileSchema(load(schema));
  if (key.length <= CACHE_KEY_LIMIT) {
    if (compiledSchemas.size >= CACHE_LIMIT) compiledSchemas.delete(compiledSchemas.keys().next().value ?? '');
    compiledSchemas.set(key, compiled);
  }
  return compiled;
}

function matchSchemaDeep(_context: BuiltinContext, document: unknown, schema: unknown): BuiltinValue {
  const doc = load(document as RegoValue);
  const compiled = compiledSchema(schema as RegoValue);
  const result = validateDocument(compiled, doc);
  const errors = result.errors.map((e) => ({
    error: errorString(e),
    type: e.type,
    field: e.field,
    desc: e.description,
  }));
  return [result.valid(), errors];
}

/** jsonschema.go's two builtins: typed arguments (numbers keep their text, sets stay sets), JSON results. */
export const JSON_SCHEMA_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'json.match_schema': { impl: matchSchema, arity: 2, regoArguments: true },
  'json.verify_schema': { impl: verifySchema, arity: 1, regoArguments: true },
};
