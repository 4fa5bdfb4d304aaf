/**
 * What a host builtin sees besides its arguments: the per-evaluation state OPA keeps in its
 * `BuiltinContext` (one clock reading, one cache for uuid.rfc4122 and rand.intn) and the host
 * settings the time builtins need.
 */
import type { BuiltinValue } from './json-numbers.ts';
import type { RegoValue } from './rego-value.ts';

/** Per-evaluation state and host settings passed to every builtin implementation. */
export interface BuiltinContext {
  /** time.now_ns for this evaluation: read once, then the same value until the next one. */
  nowNs(): bigint;
  /** The IANA zone "Local" means in time builtins. */
  readonly localZone: string;
  /** Values memoised for this evaluation only (uuid.rfc4122, rand.intn). */
  readonly cache: Map<string, BuiltinValue>;
  /** Cryptographically strong random bytes. */
  randomBytes(size: number): Uint8Array;
}

/**
 * A builtin implementation: JSON-decoded arguments in (typed Rego values with `regoArguments`), a
 * JSON value out (a Rego value with `regoResult`), or undefined.
 */
export type BuiltinImpl = (context: BuiltinContext, ...args: unknown[]) => BuiltinValue | RegoValue | undefined;

/** One host builtin: its implementation, and whether its arguments need exact big integers. */
export interface BuiltinDefinition {
  readonly impl: BuiltinImpl;
  /** Number of arguments the builtin takes (what the SDK decodes before calling it). */
  readonly arity: number;
  /** Whether integer arguments beyond 2^53 must arrive exact (nanosecond timestamps). */
  readonly exactIntegers?: boolean;
  /**
   * Whether the arguments arrive as typed Rego values (rego-value.ts: sets apart from arrays,
   * numbers as their text), read from what the wasm's `opa_value_dump` writes.
   */
  readonly regoArguments?: boolean;
  /** Whether the implementation returns a Rego value (sets included), loaded with `opa_value_parse`. */
  readonly regoResult?: boolean;
}
