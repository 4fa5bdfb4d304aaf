/**
 * Go's encoding/pem.Decode and base64.StdEncoding decoding, as OPA's crypto.x509.* builtins read
 * their input: the same blocks found (a BEGIN line at a line start, headers, a matching END
 * line, spaces and tabs dropped from the body, a body that is not valid base64 skipped), the
 * same bytes left over, and base64's `illegal base64 data at input byte N` errors.
 */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < STD.length; i++) DECODE[STD.charCodeAt(i)] = i;

/** base64.StdEncoding.Decode: CR and LF ignored, padding required; throws Go's error text. */
export function goBase64StdDecode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let si = 0;
  const corrupt = (at: number): Error => new Error(`illegal base64 data at input byte ${at}`);
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let end = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        throw corrupt(si - j);
      }
      const c = src[si] ?? 0;
      si++;
      const v = DECODE[c] ?? -1;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        j--;
        continue;
      }
      if (c !== 0x3d) throw corrupt(si - 1);
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) throw corrupt(si);
      dlen = j;
      end = true;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = dbuf;
    const val = (a << 18) | (b << 12) | (c << 6) | d;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k] ?? 0);
    if (end) return Uint8Array.from(out);
  }
}

/** base64.StdEncoding.DecodeString of a Rego string (its UTF-8 bytes). */
export function goBase64StdDecodeString(s: string): Uint8Array {
  return goBase64StdDecode(Buffer.from(s, 'utf8'));
}

/** A decoded PEM block. */
export interface PemBlock {
  readonly type: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly bytes: Uint8Array;
}

function indexOf(hay: Uint8Array, needle: string, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from, 'latin1');
}

function lastIndexOf(hay: Uint8Array, needle: string): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).lastIndexOf(needle, undefined, 'latin1');
}

function getLine(data: Uint8Array): [Uint8Array, Uint8Array, number] {
  let i = data.indexOf(0x0a);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 0x0d) i--;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  return [data.subarray(0, end), data.subarray(j), j];
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

function trimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
}

/** pem.Decode: the first block and the bytes after it, or `undefined` and the input. */
export function pemDecode(data: Uint8Array): [PemBlock | undefined, Uint8Array] {
  let rest = data;
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return [undefined, data];
    rest = rest.subarray(endTrailerIndex);
    let endIndex = indexOf(rest, '\n-----END ');
    if (endIndex < 0) return [undefined, data];
    endTrailerIndex = endIndex + 10;
    const beginIndex = lastIndexOf(rest.subarray(0, endIndex), '-----BEGIN ');
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== 0x0a)) continue;
    rest = rest.subarray(beginIndex + 11);
    endIndex -= beginIndex + 11;
    endTrailerIndex -= beginIndex + 11;
    const [firstLine, next, consumed] = getLine(rest);
    let typeLine = firstLine;
    rest = next;
    endIndex -= consumed;
    endTrailerIndex -= consumed;
    if (!latin1(typeLine).endsWith('-----')) continue;
    typeLine = typeLine.subarray(0, typeLine.length - 5);
    const headers = new Map<string, string>();
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, after, used] = getLine(rest);
      const text = latin1(line);
      const colon = text.indexOf(':');
      if (colon < 0) break;
      headers.set(trimSpace(text.slice(0, colon)), trimSpace(text.slice(colon + 1)));
      rest = after;
      endIndex -= used;
      endTrailerIndex -= used;
    }
    if (truncated) return [undefined, data];
    if (headers.size > 0 && endIndex < 0) continue;
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) continue;
    let endTrailer = rest.subarray(endTrailerIndex);
    const endTrailerLen = typeLine.length + 5;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.subarray(endTrailerLen);
    endTrailer = endTrailer.subarray(0, endTrailerLen);
    const trailer = latin1(endTrailer);
    if (!trailer.startsWith(latin1(typeLine)) || !trailer.endsWith('-----')) continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    let bytes: Uint8Array = new Uint8Array(0);
    if (endIndex > 0) {
      const body = rest.subarray(0, endIndex).filter((b) => b !== 0x20 && b !== 0x09);
      try {
        bytes = goBase64StdDecode(body);
      } catch {
        continue;
      }
    }
    const [, after] = getLine(rest.subarray(endIndex + 9));
    return [{ type: Buffer.from(typeLine).toString('utf8'), headers, bytes }, after];
  }
}
