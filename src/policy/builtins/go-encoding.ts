/**
 * Go's encodings as OPA's builtins use them: base64url decoding as OPA's `base64url.decode` does
 * it (missing padding added per RFC 7515 appendix C, then Go's padded URL alphabet, CR and LF
 * ignored, errors naming the offending byte), and `encoding/json.Marshal`'s output (keys sorted
 * bytewise, `<`, `>`, `&`, U+2028 and U+2029 escaped). The bytes themselves come from jose.
 */
import { base64url } from 'jose';
import { isRawJson } from './json-numbers.ts';

const URL_ALPHABET = /^[A-Za-z0-9_-]$/;

/** `base64url.decode` as OPA implements it; throws Go's `illegal base64 data at input byte N`. */
export function goBase64UrlDecode(s: string): Uint8Array {
  let text = s;
  if (!text.endsWith('=')) {
    switch (text.length % 4) {
      case 0:
        break;
      case 2:
        text += '==';
        break;
      case 3:
        text += '=';
        break;
      default:
        throw new Error(`illegal base64url string: ${s}`);
    }
  }
  const significant: number[] = [];
  for (let i = 0; i < text.length; i++) if (text[i] !== '\r' && text[i] !== '\n') significant.push(i);
  const illegal = (k: number): Error => new Error(`illegal base64 data at input byte ${significant[k] ?? text.length}`);
  let data = '';
  for (let k = 0; k < significant.length; k++) {
    const c = text[significant[k] ?? 0] ?? '';
    if (URL_ALPHABET.test(c)) {
      data += c;
      continue;
    }
    if (c !== '=') throw illegal(k);
    const quantum = k % 4;
    if (quantum < 2) throw illegal(k);
    const padding = quantum === 2 ? 2 : 1;
    for (let p = 1; p < padding; p++) if (text[significant[k + p] ?? -1] !== '=') throw illegal(k + p);
    if (k + padding < significant.length) throw illegal(k + padding);
    return base64url.decode(data);
  }
  if (data.length % 4 !== 0) throw illegal(data.length - (data.length % 4));
  return base64url.decode(data);
}

/** Compares strings by their UTF-8 bytes, as Go orders map keys. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

/**
 * The text Go's `json.Marshal` writes for a JSON value (numbers as JSON.stringify writes them,
 * exact ones from JSON.rawJSON verbatim). Written out by hand because JavaScript objects list
 * integer-like keys first, whatever order they were inserted in.
 */
export function goJsonMarshal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJsonMarshal).join(',')}]`;
  if (typeof value === 'string') return goString(value);
  if (value !== null && typeof value === 'object' && !isRawJson(value)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => byteOrder(a, b));
    return `{${entries.map(([k, v]) => `${goString(k)}:${goJsonMarshal(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
