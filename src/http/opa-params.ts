/**
 * OPA's query parameter and response conventions, shared by the OPA-compatible routes: boolean
 * parameters read the way OPA's server reads them, and `pretty` bodies indented by two spaces.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { InvalidParameterError } from '../errors/regent-error.ts';

/**
 * OPA's `getBoolParam`: absent is false; present without a value (`?pretty`) is `ifEmpty`;
 * otherwise true when any value is `true` (case-insensitive).
 */
export function boolParam(req: Request, name: string, ifEmpty = true): boolean {
  const raw: unknown = (req.query as Record<string, unknown>)[name];
  if (raw === undefined) return false;
  const values = Array.isArray(raw) ? raw : [raw];
  if (values.length === 1 && values[0] === '') return ifEmpty;
  return values.some((v) => typeof v === 'string' && v.toLowerCase() === 'true');
}

/** Sends `body` as JSON, indented when the request asked for `?pretty`. */
export function sendJson(req: Request, res: Response, body: unknown, status = 200): void {
  const text = boolParam(req, 'pretty') ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  res.status(status).type('application/json').send(text);
}

/**
 * The router reports a path it cannot percent-decode (`%zz`) as a plain URIError; routes whose
 * wildcard is never decoded anyway answer it as OPA's 400 `invalid_parameter`.
 */
export const malformedPathErrors: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
  if (err instanceof URIError) next(new InvalidParameterError('invalid path: malformed percent-encoding'));
  else next(err);
};
