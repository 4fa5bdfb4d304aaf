/**
 * A strict DER reader with the rules of golang.org/x/crypto/cryptobyte, which Go's crypto/x509
 * parses certificates with: single-byte tags only, minimal definite lengths (no indefinite or
 * padded length), minimally encoded INTEGERs, OIDs with arcs below 2^31, BOOLEANs as 0x00/0xff,
 * BIT STRINGs with zero padding bits, UTCTime/GeneralizedTime in the one form Go round-trips.
 * Every read returns `undefined` (cryptobyte's `false`) instead of throwing, so a port of Go's
 * parser keeps its control flow and its error texts.
 */

/** ASN.1 tags as single identifier bytes (cryptobyte/asn1). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  ENUM: 0x0a,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  NumericString: 0x12,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
} as const;

/** A context-specific tag `[n]`, primitive or constructed. */
export function contextTag(n: number, constructed = false): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** A time read from DER: UTC milliseconds, and the offset (seconds east of UTC) it was written in. */
export interface DerTime {
  readonly ms: number;
  readonly offsetSeconds: number;
}

/** Bytes being read, as a cryptobyte.String: every read consumes from the front. */
export class Der {
  bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  empty(): boolean {
    return this.bytes.length === 0;
  }

  /** Whether the next element has this tag. */
  peek(tag: number): boolean {
    return this.bytes.length > 0 && this.bytes[0] === tag;
  }

  /** Reads any element: its tag, whole encoding and contents (cryptobyte's readASN1). */
  readAny(): { tag: number; element: Uint8Array; contents: Uint8Array } | undefined {
    const s = this.bytes;
    if (s.length < 2) return undefined;
    const tag = s[0] ?? 0;
    const lenByte = s[1] ?? 0;
    if ((tag & 0x1f) === 0x1f) return undefined;
    let length: number;
    let header: number;
    if ((lenByte & 0x80) === 0) {
      header = 2;
      length = lenByte;
    } else {
      const lenLen = lenByte & 0x7f;
      if (lenLen === 0 || lenLen > 4 || s.length < 2 + lenLen) return undefined;
      let len32 = 0;
      for (let i = 0; i < lenLen; i++) len32 = len32 * 256 + (s[2 + i] ?? 0);
      if (len32 < 128) return undefined;
      if ((s[2] ?? 0) === 0) return undefined;
      header = 2 + lenLen;
      length = len32;
    }
    if (header + length > s.length) return undefined;
    const element = s.subarray(0, header + length);
    this.bytes = s.subarray(header + length);
    return { tag, element, contents: element.subarray(header) };
  }

  /** The contents of the next element if it has `tag` (ReadASN1). */
  read(tag: number): Uint8Array | undefined {
    const saved = this.bytes;
    const got = this.readAny();
    if (got === undefined || got.tag !== tag) {
      if (got !== undefined) this.bytes = saved.subarray(got.element.length);
      return undefined;
    }
    return got.contents;
  }

  /** The whole encoding of the next element if it has `tag` (ReadASN1Element). */
  readElement(tag: number): Uint8Array | undefined {
    const got = this.readAny();
    return got === undefined || got.tag !== tag ? undefined : got.element;
  }

  /** ReadOptionalASN1: `null` when absent, `undefined` when malformed. */
  readOptional(tag: number): Uint8Array | null | undefined {
    if (!this.peek(tag)) return null;
    return this.read(tag);
  }

  /** SkipOptionalASN1. */
  skipOptional(tag: number): boolean {
    return !this.peek(tag) || this.read(tag) !== undefined;
  }

  readBoolean(): boolean | undefined {
    const b = this.read(TAG.BOOLEAN);
    if (b?.length !== 1) return undefined;
    if (b[0] === 0) return false;
    if (b[0] === 0xff) return true;
    return undefined;
  }

  /** An INTEGER of any size (ReadASN1Integer into a *big.Int). */
  readBigInt(tag: number = TAG.INTEGER): bigint | undefined {
    const b = this.read(tag);
    if (b === undefined || !validInteger(b)) return undefined;
    return signedBigInt(b);
  }

  /** An INTEGER that fits Go's int64 (ReadASN1Integer into an *int / ReadASN1Int64WithTag). */
  readInt64(tag: number = TAG.INTEGER): bigint | undefined {
    const b = this.read(tag);
    if (b === undefined || !validInteger(b) || b.length > 8) return undefined;
    return signedBigInt(b);
  }

  /** A non-negative INTEGER that fits Go's uint64 (ReadASN1Integer into a *uint). */
  readUint64(): bigint | undefined {
    const b = this.read(TAG.INTEGER);
    if (b === undefined || !validInteger(b)) return undefined;
    if (b.length > 9 || (b.length === 9 && b[0] !== 0) || ((b[0] ?? 0) & 0x80) !== 0) return undefined;
    return signedBigInt(b);
  }

  /** An OBJECT IDENTIFIER as Go's asn1.ObjectIdentifier (arcs below 2^31). */
  readOid(): number[] | undefined {
    const b = this.read(TAG.OBJECT_IDENTIFIER);
    if (b === undefined || b.length === 0) return undefined;
    return decodeOidArcs(b);
  }

  /** A BIT STRING: its bytes and length in bits. */
  readBitString(): { bytes: Uint8Array; bitLength: number } | undefined {
    const b = this.read(TAG.BIT_STRING);
    if (b === undefined || b.length === 0) return undefined;
    const padding = b[0] ?? 0;
    const rest = b.subarray(1);
    const last = rest[rest.length - 1] ?? 0;
    if (padding > 7 || (rest.length === 0 && padding !== 0) || (rest.length > 0 && (last & ((1 << padding) - 1)) !== 0))
      return undefined;
    return { bytes: rest, bitLength: rest.length * 8 - padding };
  }

  readUTCTime(): DerTime | undefined {
    const b = this.read(TAG.UTCTime);
    if (b === undefined) return undefined;
    const text = latin1(b);
    const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(Z|[+-]\d{4})$/.exec(text);
    if (m === null) return undefined;
    const yy = Number(m[1]);
    // Go's "06" layout: 69-99 are 19xx; cryptobyte then maps 2050-2068 back a century.
    let year = yy >= 69 ? 1900 + yy : 2000 + yy;
    if (year >= 2050) year -= 100;
    return goTime(year, m[2], m[3], m[4], m[5], m[6] ?? '00', m[7] ?? 'Z');
  }

  readGeneralizedTime(): DerTime | undefined {
    const b = this.read(TAG.GeneralizedTime);
    if (b === undefined) return undefined;
    const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d{4})$/.exec(latin1(b));
    if (m === null) return undefined;
    return goTime(Number(m[1]), m[2], m[3], m[4], m[5], m[6], m[7] ?? 'Z');
  }
}

function validInteger(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (b.length === 1) return true;
  const [b0 = 0, b1 = 0] = b;
  return !((b0 === 0 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) === 0x80));
}

/** Two's-complement big-endian bytes as a bigint. */
export function signedBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = BigInt(`0x${Buffer.from(b).toString('hex')}`);
  if (((b[0] ?? 0) & 0x80) !== 0) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** Unsigned big-endian bytes as a bigint. */
export function unsignedBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

/** The arcs of an OID's contents as cryptobyte decodes them, or undefined. */
export function decodeOidArcs(b: Uint8Array): number[] | undefined {
  const arcs: number[] = [];
  let i = 0;
  const base128 = (): number | undefined => {
    let ret = 0;
    for (let k = 0; i < b.length; k++) {
      if (k === 5 || ret >= 1 << 24) return undefined;
      const c = b[i++] ?? 0;
      if (k === 0 && c === 0x80) return undefined;
      ret = ret * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) return ret;
    }
    return undefined;
  };
  const first = base128();
  if (first === undefined) return undefined;
  if (first < 80) arcs.push(Math.floor(first / 40), first % 40);
  else arcs.push(2, first - 80);
  while (i < b.length) {
    const v = base128();
    if (v === undefined) return undefined;
    arcs.push(v);
  }
  return arcs;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Go's time.Parse range checks and Format round trip for the fields of a DER time. */
function goTime(year: number, mo = '', d = '', h = '', mi = '', s = '', zone: string): DerTime | undefined {
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  if (day < 1 || day > days) return undefined;
  let offsetSeconds = 0;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3, 5));
    // Go parses hours up to 24 and minutes up to 60, then Format must write the same text back:
    // +0000 comes back as Z, so it is refused, like every other offset Go would not print.
    if (oh > 24 || om > 60) return undefined;
    offsetSeconds = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
    if (offsetSeconds === 0 || om === 60) return undefined;
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return { ms: utc.getTime() - offsetSeconds * 1000, offsetSeconds };
}
