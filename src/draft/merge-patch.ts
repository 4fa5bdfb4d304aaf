/**
 * JSON Merge Patch (RFC 7396): how a draft is applied to a configuration, and the smallest patch
 * that turns one configuration into another (what `regent draft --diff` writes). Arrays and
 * scalars are replaced whole; `null` removes a key.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is { [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `target` with `patch` applied (RFC 7396 section 2); neither argument is changed. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const base: { [key: string]: Json } = isObject(target) ? target : {};
  const out = new Map(Object.entries(structuredClone(base)));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) out.delete(key);
    else out.set(key, applyMergePatch(out.get(key) ?? null, value));
  }
  return Object.fromEntries(out);
}

/** The smallest merge patch that turns `from` into `to`; `undefined` when they are equal. */
export function createMergePatch(from: Json, to: Json): Json | undefined {
  if (!isObject(from) || !isObject(to)) return sameJson(from, to) ? undefined : structuredClone(to);
  const patch: { [key: string]: Json } = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (before === undefined) patch[key] = structuredClone(value);
    else {
      const sub = createMergePatch(before, value);
      if (sub !== undefined) patch[key] = sub;
    }
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function sameJson(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
