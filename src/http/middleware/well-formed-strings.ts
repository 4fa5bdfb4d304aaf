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
  // Each step keeps its parent and key, and the pointer is only spelled out for the one bad string:
  // building a pointer for every key cost more than the check itself on large payloads.
  const stack: Step[] = [{ node: value, key: '', up: undefined }];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    const node = step.node;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) return step.up === undefined ? '/' : pointerOf(step);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!key.isWellFormed()) return `${step.up === undefined ? '' : pointerOf(step)}/${escapePointer(key)}`;
      stack.push({ node: record[key], key, up: step });
    }
  }
  return null;
}

/** A value met on the walk: its parent's step and its key there (the root has no parent). */
interface Step {
  node: unknown;
  key: string;
  up: Step | undefined;
}

function pointerOf(step: Step): string {
  let out = '';
  for (let s: Step | undefined = step; s?.up !== undefined; s = s.up) out = `/${escapePointer(s.key)}${out}`;
  return out;
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
