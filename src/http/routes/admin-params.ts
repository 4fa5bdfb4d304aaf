/**
 * Strict checks for admin path and query parameters: bounded lengths, closed sets, and unknown
 * or repeated parameters refused, so a typo in an investigation query ("desicion=deny") is an
 * error rather than a silently unfiltered answer.
 */
import type { Request } from 'express';
import { InvalidParameterError } from '../../errors/regent-error.ts';

/** Longest session id: the decision request schema's bound on `session.id`. */
export const MAX_SESSION_ID = 256;

/** The session id from the path, checked like the decision request checks it. */
export function sessionIdParam(req: Request): string {
  const id = req.params['id'];
  if (typeof id !== 'string' || id.length < 1 || id.length > MAX_SESSION_ID) {
    throw new InvalidParameterError(`session id must be 1-${MAX_SESSION_ID} characters`);
  }
  return id;
}

/** One allowed query parameter: its bound and an optional check of its text. */
export interface QueryParam {
  readonly maxLength: number;
  readonly pattern?: RegExp;
  readonly values?: readonly string[];
  readonly hint: string;
}

/** Reads the query against `allowed`: every parameter known, given once, within bounds. */
export function strictQuery<K extends string>(
  req: Request,
  allowed: Readonly<Record<K, QueryParam>>,
): Partial<Record<K, string>> {
  const query = req.query as Record<string, unknown>;
  const out: Partial<Record<K, string>> = {};
  const errors: { code: string; message: string }[] = [];
  for (const [name, value] of Object.entries(query)) {
    const spec = Object.hasOwn(allowed, name) ? allowed[name as K] : undefined;
    const shown = JSON.stringify(name.slice(0, 64));
    if (spec === undefined) {
      errors.push({ code: 'invalid_parameter', message: `unknown query parameter ${shown}` });
    } else if (typeof value !== 'string') {
      errors.push({ code: 'invalid_parameter', message: `query parameter ${shown} is given more than once` });
    } else if (
      value.length === 0 ||
      value.length > spec.maxLength ||
      (spec.pattern !== undefined && !spec.pattern.test(value)) ||
      (spec.values !== undefined && !spec.values.includes(value))
    ) {
      errors.push({ code: 'invalid_parameter', message: `query parameter ${shown} must be ${spec.hint}` });
    } else {
      out[name as K] = value;
    }
  }
  if (errors.length > 0) throw new InvalidParameterError('query parameters are invalid', errors);
  return out;
}
