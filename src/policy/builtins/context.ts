/**
 * What a host builtin sees besides its arguments: the per-evaluation state OPA keeps in its
 * `BuiltinContext` (one clock reading, one cache for uuid.rfc4122 and rand.intn) and the host
 * settings the time builtins need.
 */
import type { BuiltinValue } from './json-numbers.ts';

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

/** A builtin implementation: JSON-decoded arguments in, a JSON value (or undefined) out. */
export type BuiltinImpl = (context: BuiltinContext, ...args: unknown[]) => BuiltinValue | undefined;

/** One host builtin: its implementation, and whether its arguments need exact big integers. */
export interface BuiltinDefinition {
  readonly impl: BuiltinImpl;
  /** Number of arguments the builtin takes (what the SDK decodes before calling it). */
  readonly arity: number;
  /** Whether integer arguments beyond 2^53 must arrive exact (nanosecond timestamps). */
  readonly exactIntegers?: boolean;
  /** Whether the arguments arrive as the JSON texts the wasm wrote, undecoded (sprintf). */
  readonly rawArguments?: boolean;
}
