/**
 * Refuses JSON bodies holding a lone UTF-16 surrogate (`"\ud800"`) in a string or a key. JSON
 * allows the escape, but such a string is not Unicode text: OPA's wasm JSON reader rejects it
 * ("illegal string escape character"), which made the Data API answer 500 and a decision fail
 * closed as an evaluation error, and TextEncoder would silently turn it into U+FFFD elsewhere.
 * Refusing it at the boundary (400) keeps what the policy sees, the audit record and the input
 * digest the same text.
 */
import type { RequestHandler } from 'express';
import { InvalidParameterError } from '../../errors/regent-error.ts';

/** JSON pointer of the first string or key in `value` that is not well-formed UTF-16, or null. */
export function loneSurrogatePointer(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return pointer === '' ? '/' : pointer;
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (!key.isWellFormed()) return at;
      stack.push([child, at]);
    }
  }
  return null;
}

/** Middleware after the JSON parser: 400 for a body with a lone surrogate. */
export const wellFormedStrings: RequestHandler = (req, _res, next) => {
  const pointer = loneSurrogatePointer(req.body);
  if (pointer === null) {
    next();
    return;
  }
  const message = `request body holds a lone UTF-16 surrogate (not valid Unicode) at ${pointer.toWellFormed()}`;
  next(new InvalidParameterError(message, [{ code: 'invalid_unicode', message, path: pointer.toWellFormed() }]));
};

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
