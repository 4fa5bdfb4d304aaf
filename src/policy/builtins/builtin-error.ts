/**
 * The one error a host builtin throws. OPA reports a failing builtin as `eval_builtin_error` or
 * `eval_type_error` with the message `<builtin>: <detail>`; the wasm engine turns this class into
 * a typed, fail-closed evaluation error (it recognises it by `name === 'BuiltinError'`).
 */
import { RegoNumber, RegoObject, RegoSet, regoTypeOf } from './rego-value.ts';

/** OPA's two codes for a builtin failing at evaluation time. */
export type BuiltinErrorCode = 'eval_builtin_error' | 'eval_type_error';

/** A host builtin failed; `message` reads `<builtin>: <detail>` as OPA's does. */
export class BuiltinError extends Error {
  /** Name of the builtin that failed, e.g. `time.parse_ns`. */
  readonly builtin: string;
  /** OPA's error code for the failure. */
  readonly code: BuiltinErrorCode;

  constructor(builtin: string, detail: string, options: { code?: BuiltinErrorCode; cause?: unknown } = {}) {
    super(`${builtin}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BuiltinError';
    this.builtin = builtin;
    this.code = options.code ?? 'eval_builtin_error';
  }
}

/** A failure inside a builtin before its name is known; the dispatcher adds the name. */
export class OperandError extends Error {
  /** OPA's error code for the failure. */
  readonly code: BuiltinErrorCode;

  constructor(detail: string, code: BuiltinErrorCode = 'eval_builtin_error') {
    super(detail);
    this.name = 'OperandError';
    this.code = code;
  }
}

/** Throws OPA's operand type error: `operand N must be <wanted> but got <type>`. */
export function operandTypeError(position: number, value: unknown, ...wanted: string[]): never {
  const want = wanted.length === 1 ? (wanted[0] ?? '') : `one of {${wanted.join(', ')}}`;
  throw new OperandError(`operand ${position} must be ${want} but got ${regoTypeName(value)}`, 'eval_type_error');
}

/** Rego's name for the type of a JSON-decoded value (sets arrive as arrays) or of a typed Rego value. */
export function regoTypeName(value: unknown): string {
  if (value instanceof RegoNumber || value instanceof RegoObject || value instanceof RegoSet) return regoTypeOf(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}
