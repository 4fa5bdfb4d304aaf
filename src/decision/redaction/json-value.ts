/**
 * Helpers for walking JSON values safely. Keys such as `__proto__`, `constructor` and
 * `prototype` are ordinary data in a parsed payload, so every read checks own properties and
 * every write defines a property instead of assigning: an assignment to `__proto__` would change
 * the copy's prototype instead of storing data.
 */

/** A JSON object as parsed from a request body. */
export type JsonObject = Record<string, unknown>;

/** True for objects that are neither null nor arrays (JSON objects). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `key` is the canonical text of an index into `array` (RFC 6901: no leading zeros). */
export function isArrayIndex(key: string, array: readonly unknown[]): boolean {
  if (key.length === 0 || key.length > 10) return false;
  if (key !== '0' && (key[0] === '0' || !/^[0-9]+$/.test(key))) return false;
  return Number(key) < array.length;
}

/** Reads a child by key or index; `undefined` with `found: false` when there is no such own child. */
export function childOf(container: unknown, key: string): { found: boolean; value: unknown } {
  if (Array.isArray(container)) {
    return isArrayIndex(key, container)
      ? { found: true, value: container[Number(key)] }
      : { found: false, value: undefined };
  }
  if (isJsonObject(container) && Object.hasOwn(container, key)) return { found: true, value: container[key] };
  return { found: false, value: undefined };
}

/** Stores `value` under `key` as an own data property, even when the key is `__proto__`. */
export function defineOwn(target: JsonObject, key: string, value: unknown): void {
  // Assignment is much cheaper and stores data for every key Object.prototype does not have;
  // keys it has (`__proto__`, `constructor`, and any a polluted prototype gained) are defined.
  if (key in Object.prototype) {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else target[key] = value;
}

/** A deep copy of a JSON value, iterative (deep payloads cannot overflow the stack) and `__proto__`-safe. */
export function cloneJson(value: unknown): unknown {
  const copyShell = (v: unknown): unknown => {
    if (Array.isArray(v)) return pending(v, new Array<unknown>(v.length));
    if (isJsonObject(v)) return pending(v, {});
    return v;
  };
  const stack: { src: unknown[] | JsonObject; dst: unknown[] | JsonObject }[] = [];
  const pending = (src: unknown[] | JsonObject, dst: unknown[] | JsonObject) => (stack.push({ src, dst }), dst);
  const root = copyShell(value);
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { src, dst } = frame;
    if (Array.isArray(src)) for (let i = 0; i < src.length; i++) (dst as unknown[])[i] = copyShell(src[i]);
    else for (const key of Object.keys(src)) defineOwn(dst as JsonObject, key, copyShell(src[key]));
  }
  return root;
}

/** Replaces the child `key` of a container in place (used on copies only). */
export function setChild(container: unknown[] | JsonObject, key: string, value: unknown): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else defineOwn(container, key, value);
}
