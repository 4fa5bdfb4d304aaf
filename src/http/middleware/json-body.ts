/**
 * Parses JSON request bodies with a size bound and a nesting bound. Anything that is not JSON
 * is a 415, over the size limit a 413, unparseable or too deep a 400 — always as a JSON error
 * body, never a default HTML page.
 */
import express, { type RequestHandler } from 'express';
import { InvalidParameterError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors/regent-error.ts';

/** Deepest nesting a request body may have; recursive walkers below stay far from the stack limit. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests deeper than `max` (checked iteratively, so it cannot overflow itself). */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Middleware that accepts only `application/json` bodies up to `limitBytes`. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: false, type: () => true });
  return [
    (req, _res, next) => {
      const type = req.headers['content-type'];
      if (type === undefined || !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
        next(new UnsupportedMediaTypeError());
        return;
      }
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > limitBytes) {
        next(new PayloadTooLargeError(limitBytes));
        return;
      }
      next();
    },
    (req, res, next) => {
      parse(req, res, (err?: unknown) => {
        if (err === undefined || err === null) {
          if (exceedsDepth(req.body, MAX_JSON_DEPTH)) next(new InvalidParameterError(`request body nests deeper than ${MAX_JSON_DEPTH} levels`));
          else next();
          return;
        }
        const type = (err as { type?: string }).type;
        if (type === 'entity.too.large') next(new PayloadTooLargeError(limitBytes));
        else if (type === 'charset.unsupported' || type === 'encoding.unsupported') next(new UnsupportedMediaTypeError('unsupported body encoding or charset'));
        else next(new InvalidParameterError('request body is not valid JSON'));
      });
    },
  ];
}
