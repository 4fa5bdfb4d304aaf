/**
 * The text OPA hashes for a structured bundle file (`data.json`, `.manifest`). OPA does not hash
 * those files' bytes: it parses them (numbers kept as their literal text) and hashes a canonical
 * re-encoding with object keys sorted byte-wise and Go's string escaping without HTML escapes
 * (bundle/hash.go `walk`). So a signature survives reformatting, and a verifier that hashed raw
 * bytes would reject every OPA-signed bundle whose JSON was re-serialised. This module reproduces
 * that encoding exactly.
 *
 * Where OPA would silently repair input (invalid UTF-8, lone surrogate escapes become U+FFFD),
 * this parser refuses instead: the repaired text would hash like a different, signed value while
 * JavaScript reads the original, so repairing could let a changed file pass as signed.
 */

/** Deeper nesting is refused rather than risk the stack; real policy data is nowhere near it. */
const MAX_DEPTH = 1000;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERAL = /true|false|null/y;

/** Thrown when the input is not JSON the canonical encoding can be computed for. */
export class CanonicalJsonError extends Error {}

/** Returns the canonical text OPA hashes for a JSON document given as UTF-8 bytes. */
export function canonicalJson(bytes: Uint8Array): string {
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused (see above); a leading BOM is dropped, as OPA's util.Unmarshal does.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CanonicalJsonError('not valid UTF-8');
  }
  const parser = new Parser(text);
  parser.ws();
  const value = parser.value(0);
  parser.ws();
  if (parser.pos !== text.length) parser.fail('unexpected data after the JSON value');
  return value;
}

/** Encodes a string the way Go's encoding/json does with HTML escaping off. */
export function goJsonString(s: string): string {
  // JSON.stringify escapes exactly Go's set (", \, \b \f \n \r \t, other controls as lowercase
  // \u00xx) except U+2028 and U+2029, which Go also escapes.
  const json = JSON.stringify(s);
  return /[\u2028\u2029]/.test(json) ? json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : json;
}

/** Orders strings by Unicode code point, which is Go's byte-wise order of their UTF-8 encodings. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only when one side is a surrogate (a code point
    // above U+FFFF), which sorts after every BMP character, including U+E000..U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

class Parser {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    throw new CanonicalJsonError(`${message} at offset ${this.pos}`);
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) this.fail(`JSON nested deeper than ${MAX_DEPTH} levels`);
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return goJsonString(this.string());
    return this.token(c === '-' || (c !== undefined && c >= '0' && c <= '9') ? NUMBER : LITERAL);
  }

  /** A number keeps its literal text: OPA decodes with UseNumber and re-encodes it verbatim. */
  token(pattern: RegExp): string {
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.text);
    if (m === null) this.fail('invalid JSON value');
    this.pos += m[0].length;
    return m[0];
  }

  object(depth: number): string {
    this.pos++;
    // Later duplicates replace earlier ones, as both Go and JSON.parse do, so the hashed value
    // is the value regent reads.
    const members = new Map<string, string>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected an object key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      this.ws();
      members.set(key, this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected "," or "}"');
    }
    const keys = [...members.keys()].sort(compareCodePoints);
    return '{' + keys.map((k) => goJsonString(k) + ':' + (members.get(k) as string)).join(',') + '}';
  }

  array(depth: number): string {
    this.pos++;
    const items: string[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return '[]';
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') break;
      if (c !== ',') this.fail('expected "," or "]"');
    }
    return '[' + items.join(',') + ']';
  }

  /** Reads a string token and returns its decoded value. */
  string(): string {
    const t = this.text;
    const start = this.pos;
    let escaped = false;
    let i = start + 1;
    for (;;) {
      if (i >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
      if (c === 0x5c) {
        escaped = true;
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) {
            this.pos = i;
            this.fail('invalid \\u escape');
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.pos = i;
          this.fail('invalid escape');
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    const raw = t.slice(start, i + 1);
    if (!escaped) return raw.slice(1, -1);
    // The token is validated above, so JSON.parse decodes exactly its escapes.
    const decoded = JSON.parse(raw) as string;
    // With the u flag a paired surrogate is one code point, so \p{Cs} matches only unpaired ones.
    if (/\p{Cs}/u.test(decoded)) {
      this.pos = start;
      this.fail('string escapes an unpaired surrogate');
    }
    return decoded;
  }
}
