/**
 * The builtins regent supplies to opa-wasm on top of those the wasm and the SDK implement, with
 * OPA's semantics (checked against `opa eval` in test/policy/builtins.test.ts).
 *
 * Usage, one runtime per loaded policy instance:
 *
 *     const host = createBuiltins();                 // options: now, localZone, randomBytes
 *     const policy = await loadPolicy(wasm, memory, host.functions);
 *     host.beginEvaluation();                        // before every policy.evaluate(...)
 *     policy.evaluate(input, entrypoint);
 *
 * `beginEvaluation` starts OPA's per-query state: time.now_ns reads the clock once and then
 * returns that value for the rest of the evaluation; uuid.rfc4122 and rand.intn return the same
 * value for the same key. A failing builtin throws {@link BuiltinError}, never a string or plain
 * object; the engine's dispatcher (wasm-instance.ts) then makes only that expression undefined,
 * as OPA does, or fails the evaluation with strict builtin errors. Results that a double cannot hold (nanosecond timestamps) cross the
 * SDK as exact JSON digits; time builtins also receive such arguments exactly (see
 * exact-arguments.ts; disable with `exactIntegerArguments: false`).
 *
 * Known differences from OPA's evaluator (everything else is checked against `opa eval`):
 * - regex.replace runs on re2js (RE2's own algorithm, linear time); a group name used twice is
 *   renamed internally, since re2js refuses what Go accepts.
 * - units.parse / units.parse_bytes refuse decimal exponents beyond ±1000 (OPA expands up to
 *   999999 digits' worth); semver.compare orders pre-release numbers beyond int64 exactly (OPA
 *   1.22 hangs on them).
 * - Zones with no zoneinfo file on the host fall back to ICU: same offsets, approximated `MST`
 *   abbreviations, and no abbreviation lookup for "Local" in time.parse_ns.
 * - The default clock has millisecond resolution; integer operands written as 1.0 are accepted
 *   (the SDK hands over 1).
 * - crypto.x509.* verification fails (rather than answers) for chains carrying name constraints
 *   or policy constraints, whose Go checks are not ported; inputs beyond 1 MiB are refused.
 * - json.patch fails where OPA's evaluator panics (edit-tree.ts).
 * - json.match_schema reports several errors about one object in sorted key order (OPA: Go's
 *   random map order) and refuses remote `$ref`s (json-schema/index.ts).
 * See README.md in this folder for what each builtin matches.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { BuiltinError, OperandError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { CRYPTO_BUILTINS } from './crypto.ts';
import { ENCODING_BUILTINS } from './encoding.ts';
import { GLOBS_BUILTINS } from './glob-intersection.ts';
import { decodeNextArgumentsExactly, restoreJsonParse } from './exact-arguments.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { JSON_PATCH_BUILTINS } from './json-patch.ts';
import { JSON_SCHEMA_BUILTINS } from './json-schema/index.ts';
import { JWT_BUILTINS } from './jwt.ts';
import { NET_BUILTINS } from './net.ts';
import { RAND_BUILTINS } from './rand.ts';
import { REGEX_BUILTINS } from './regex.ts';
import { REGEX_FIND_BUILTINS } from './regex-find.ts';
import { parseRegoValue, writeRegoValue, type RegoValue } from './rego-value.ts';
import { SEMVER_BUILTINS } from './semver.ts';
import { SPRINTF_BUILTINS } from './sprintf.ts';
import { STRINGS_BUILTINS } from './strings.ts';
import { TIME_BUILTINS } from './time.ts';
import { hostZoneName } from './time-zones.ts';
import { UNITS_BUILTINS } from './units.ts';
import { UUID_BUILTINS } from './uuid.ts';
import { X509_BUILTINS } from './x509.ts';

export { BuiltinError } from './builtin-error.ts';
export type { BuiltinValue, RawJson } from './json-numbers.ts';

const DEFINITIONS: Readonly<Record<string, BuiltinDefinition>> = {
  ...TIME_BUILTINS,
  ...UUID_BUILTINS,
  ...UNITS_BUILTINS,
  ...STRINGS_BUILTINS,
  ...REGEX_BUILTINS,
  ...REGEX_FIND_BUILTINS,
  ...GLOBS_BUILTINS,
  ...CRYPTO_BUILTINS,
  ...SEMVER_BUILTINS,
  ...RAND_BUILTINS,
  ...SPRINTF_BUILTINS,
  ...JWT_BUILTINS,
  ...ENCODING_BUILTINS,
  ...NET_BUILTINS,
  ...X509_BUILTINS,
  ...JSON_PATCH_BUILTINS,
  ...JSON_SCHEMA_BUILTINS,
};

/** Names of the builtins regent implements on the host; the bundle build admits exactly these. */
export const IMPLEMENTED_BUILTINS: readonly string[] = Object.freeze(Object.keys(DEFINITIONS).sort());

/**
 * A builtin as the dispatcher calls it: JSON-decoded arguments in, a JSON-encodable value out;
 * Rego value texts in for those in `regoArguments`, a Rego value text out for those in
 * `regoResults` (wasm-instance.ts).
 */
export type HostFunction = (...args: unknown[]) => BuiltinValue | undefined;

/** Settings for {@link createBuiltins}; every one has a production default. */
export interface BuiltinsOptions {
  /** Wall clock in nanoseconds since the epoch (default: `Date.now()`, millisecond resolution). */
  now?: () => bigint;
  /** IANA zone that "Local" means in time builtins (default: the host's zone). */
  localZone?: string;
  /** Strong random bytes for uuid.rfc4122 and rand.intn (default: node:crypto). */
  randomBytes?: (size: number) => Uint8Array;
  /** Decode integer arguments beyond 2^53 of time builtins exactly (default: true). */
  exactIntegerArguments?: boolean;
}

/** Host builtins for one policy instance: pass `functions` to loadPolicy, call `beginEvaluation` per evaluate. */
export interface HostBuiltins {
  /**
   * Builtin implementations by OPA name, for regent's dispatcher (wasm-instance.ts); those on the
   * JSON path (in neither set below) also suit opa-wasm's `customBuiltins`.
   */
  readonly functions: Record<string, HostFunction>;
  /** Builtins that take their arguments as the Rego value texts `opa_value_dump` writes (sets kept). */
  readonly regoArguments: ReadonlySet<string>;
  /** Builtins that return a Rego value text, for `opa_value_parse` (they can return sets). */
  readonly regoResults: ReadonlySet<string>;
  /** Starts a new evaluation: a fresh time.now_ns reading and empty uuid/rand caches. */
  beginEvaluation(): void;
}

interface EvaluationState {
  now: bigint | undefined;
  readonly cache: Map<string, BuiltinValue>;
}

/** Wraps anything a builtin threw into a BuiltinError carrying OPA's `<name>: <detail>` text. */
function toBuiltinError(name: string, thrown: unknown): BuiltinError {
  if (thrown instanceof BuiltinError) return thrown;
  if (thrown instanceof OperandError)
    return new BuiltinError(name, thrown.message, { code: thrown.code, cause: thrown });
  const detail = thrown instanceof Error ? thrown.message : String(thrown);
  return new BuiltinError(name, detail, { cause: thrown });
}

/** Creates the host builtins for one policy instance (see the module comment for the protocol). */
export function createBuiltins(options: BuiltinsOptions = {}): HostBuiltins {
  const now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  const localZone = options.localZone ?? hostZoneName();
  const random = options.randomBytes ?? ((size: number) => new Uint8Array(cryptoRandomBytes(size)));
  const exact = options.exactIntegerArguments ?? true;
  let state: EvaluationState = { now: undefined, cache: new Map() };

  const context: BuiltinContext = {
    nowNs: () => (state.now ??= now()),
    localZone,
    get cache() {
      return state.cache;
    },
    randomBytes: random,
  };

  const functions: Record<string, HostFunction> = {};
  for (const [name, definition] of Object.entries(DEFINITIONS)) {
    const typedIn = definition.regoArguments === true;
    const typedOut = definition.regoResult === true;
    functions[name] = (...args: unknown[]) => {
      restoreJsonParse();
      try {
        const values = typedIn ? args.map((text) => parseRegoValue(String(text))) : args;
        const result = definition.impl(context, ...values);
        if (!typedOut || result === undefined) return result as BuiltinValue | undefined;
        return writeRegoValue(result as RegoValue);
      } catch (thrown) {
        throw toBuiltinError(name, thrown);
      }
    };
  }

  const exactNames = new Set(
    Object.entries(DEFINITIONS)
      .filter(([, d]) => d.exactIntegers === true && d.regoArguments !== true)
      .map(([n]) => n),
  );
  const named = (pick: (d: BuiltinDefinition) => boolean | undefined): ReadonlySet<string> =>
    new Set(
      Object.entries(DEFINITIONS)
        .filter(([, d]) => pick(d) === true)
        .map(([n]) => n),
    );
  const lookup = exact
    ? new Proxy(functions, {
        get(target, property, receiver) {
          if (typeof property === 'string' && exactNames.has(property))
            decodeNextArgumentsExactly(DEFINITIONS[property]?.arity ?? 0);
          return Reflect.get(target, property, receiver) as unknown;
        },
      })
    : functions;

  return {
    functions: lookup,
    regoArguments: named((d) => d.regoArguments),
    regoResults: named((d) => d.regoResult),
    beginEvaluation(): void {
      restoreJsonParse();
      state = { now: undefined, cache: new Map() };
    },
  };
}
