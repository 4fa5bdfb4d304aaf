/**
 * Parses JSON request bodies with a size bound and a nesting bound. Anything that is not JSON
 * is a 415, over the size limit a 413, unparseable, too deep, repeating a key in one object or
 * carrying prototype-pollution keys a 400 — always as a JSON error body, never a default HTML
 * page.
 */
import express, { type RequestHandler } from 'express';
import { InvalidParameterError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors/regent-error.ts';
import { closeAfterResponse, refuseBodyOverLimit } from './body-limit.ts';
import { duplicateKeyMessage, findDuplicateKey, type DuplicateKey } from './duplicate-keys.ts';
import { wellFormedStrings } from './well-formed-strings.ts';

/** Deepest nesting a request body may have; recursive walkers below stay far from the stack limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a parsed body is refused, or null: nesting deeper than `max`, or a key that is a known
 * prototype-pollution vector (`__proto__`, or `constructor` holding `prototype`), which
 * secure-json-parse also rejects by default. Checked iteratively, so it cannot overflow itself.
 */
export function unsafeJsonReason(value: unknown, max: number): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return `request body nests deeper than ${max} levels`;
    if (!Array.isArray(node)) {
      if (Object.hasOwn(node, '__proto__')) return 'request body contains a "__proto__" key';
      const ctor: unknown = Object.hasOwn(node, 'constructor')
        ? (node as { constructor: unknown }).constructor
        : undefined;
      if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype'))
        return 'request body contains a "constructor.prototype" key';
    }
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return null;
}

/** Thrown from the parser's `verify` hook; body-parser passes it on as `entity.verify.failed`. */
class DuplicateKeyFound extends Error {
  readonly duplicate: DuplicateKey;
  constructor(duplicate: DuplicateKey) {
    super(duplicateKeyMessage(duplicate));
    this.duplicate = duplicate;
  }
}

/** Middleware that accepts only `application/json` bodies up to `limitBytes`. */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({
    limit: limitBytes,
    strict: false,
    type: () => true,
    // The raw text, before JSON.parse keeps only the last of two equal keys. body-parser's json
    // accepts only UTF-8 (another charset is a 415 before this runs).
    verify: (_req, _res, buf) => {
      const duplicate = findDuplicateKey(buf.toString('utf8'), MAX_JSON_DEPTH);
      if (duplicate !== null) throw new DuplicateKeyFound(duplicate);
    },
  });
  return [
    (req, res, next) => {
      const type = req.headers['content-type'];
      if (type === undefined || !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
        next(new UnsupportedMediaTypeError());
        return;
      }
      // Over the limit: 413 and the connection closed, without reading the body (body-limit.ts).
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > limitBytes) {
        closeAfterResponse(res);
        next(new PayloadTooLargeError(limitBytes));
        return;
      }
      refuseBodyOverLimit(req, res, limitBytes);
      next();
    },
    (req, res, next) => {
      parse(req, res, (err?: unknown) => {
        if (err === undefined || err === null) {
          const unsafe = unsafeJsonReason(req.body, MAX_JSON_DEPTH);
          next(unsafe === null ? undefined : new InvalidParameterError(unsafe));
          return;
        }
        const type = (err as { type?: string }).type;
        // A fresh error: body-parser attaches the raw body to the one it passes on.
        if (err instanceof DuplicateKeyFound)
          next(
            new InvalidParameterError(err.message, [
              { code: 'duplicate_key', message: err.message, path: err.duplicate.pointer },
            ]),
          );
        else if (type === 'entity.too.large') next(new PayloadTooLargeError(limitBytes));
        else if (type === 'charset.unsupported' || type === 'encoding.unsupported')
          next(new UnsupportedMediaTypeError('unsupported body encoding or charset'));
        else next(new InvalidParameterError('request body is not valid JSON'));
      });
    },
    wellFormedStrings,
  ];
}
