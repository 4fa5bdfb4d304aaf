/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * JSON.stringify writes them. For the values audit records hold (strings, safe integers, booleans,
 * null, arrays, plain objects) this is exactly RFC 8785 (JCS), so a verifier in another language
 * can recompute every hash without regent's code.
 */

/** Serializes `value` canonically; throws on values JSON cannot carry faithfully. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // A NaN or Infinity would serialize as null and silently change what was hashed.
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      // Appending to one string, rather than mapping to arrays and joining, halves the time this
      // takes on an audit record; the text is the same.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
        return out + ']';
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        // Absent and undefined mean the same thing, as in JSON.stringify.
        if (item === undefined) continue;
        out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonical JSON: cannot encode a ${typeof value}`);
  }
}
