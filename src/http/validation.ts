/**
 * ajv, configured once: schemas compile at start-up, the first error is enough in production
 * (no allErrors), and validation errors become OPA-shaped `errors[]` entries.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InvalidParameterError, type ErrorDetail } from '../errors/regent-error.ts';

const ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false });

/** Compiles `schema` once and returns a function that asserts a value matches it, as type `T`. */
export function compileValidator<T>(schema: object, what: string): (value: unknown) => T {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown): T => {
    if (!validate(value)) throw new InvalidParameterError(`${what} is invalid`, (validate.errors ?? []).map(toDetail));
    return value as T;
  };
}

function toDetail(e: ErrorObject): ErrorDetail {
  const path = e.instancePath === '' ? '/' : e.instancePath;
  let message = `${path} ${e.message ?? 'is invalid'}`;
  if (e.keyword === 'additionalProperties')
    message = `${path} has an unknown field "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}"`;
  if (e.keyword === 'enum')
    message = `${path} must be one of ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`;
  return { code: 'invalid_parameter', message, path };
}
