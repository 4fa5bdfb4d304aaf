/**
 * The small value types of Go's crypto/x509 as OPA's results carry them: pkix.Name filled from an
 * RDNSequence (parseName, FillFromRDNSequence), ASN.1 strings decoded as x509's parseASN1String
 * decodes them, x509.OID text, and Go's text view of bytes (invalid UTF-8 becomes U+FFFD per
 * byte, as encoding/json writes it).
 */
import { Der, TAG, decodeOidArcs } from './der.ts';

/** pkix.AttributeTypeAndValue as parsed: the value is always a string. */
export interface AttributeTypeAndValue {
  readonly Type: readonly number[];
  readonly Value: string;
}

/** pkix.Name as ParseCertificate fills it (nil slices as null; ExtraNames is never filled). */
export interface GoName {
  Country: string[] | null;
  Organization: string[] | null;
  OrganizationalUnit: string[] | null;
  Locality: string[] | null;
  Province: string[] | null;
  StreetAddress: string[] | null;
  PostalCode: string[] | null;
  SerialNumber: string;
  CommonName: string;
  Names: AttributeTypeAndValue[] | null;
}

/** A Go string built from bytes, as encoding/json prints it: each invalid byte as U+FFFD. */
export function goText(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
    const chunk = size === 0 ? undefined : bytes.subarray(i, i + size);
    const rune = chunk?.length === size ? decodeRune(chunk) : undefined;
    if (rune === undefined) {
      out += '\ufffd';
      i++;
    } else {
      out += String.fromCodePoint(rune);
      i += size;
    }
  }
  return out;
}

function decodeRune(c: Uint8Array): number | undefined {
  for (let k = 1; k < c.length; k++) if (((c[k] ?? 0) & 0xc0) !== 0x80) return undefined;
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = c;
  let r: number;
  if (c.length === 2) r = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
  else if (c.length === 3) {
    r = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    if (r < 0x800 || (r >= 0xd800 && r <= 0xdfff)) return undefined;
  } else {
    r = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
    if (r < 0x10000 || r > 0x10ffff) return undefined;
  }
  return r;
}

/** Whether the bytes are valid UTF-8 (Go's utf8.Valid). */
export function validUtf8(bytes: Uint8Array): boolean {
  return Buffer.from(goText(bytes), 'utf8').equals(Buffer.from(bytes));
}

/** x509's isIA5String over a Go string: no rune above U+007F (invalid bytes count as U+FFFD). */
export function isIA5(bytes: Uint8Array): boolean {
  return bytes.every((b) => b < 0x80);
}

function isPrintable(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x27 && b <= 0x29) ||
    (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 ||
    b === 0x3a ||
    b === 0x3d ||
    b === 0x3f ||
    b === 0x2a ||
    b === 0x26
  );
}

/** x509's parseASN1String: the string an attribute value holds, or Go's error text. */
export function parseAsn1String(tag: number, value: Uint8Array): string {
  switch (tag) {
    case TAG.T61String:
      return Buffer.from(value).toString('latin1');
    case TAG.PrintableString:
      if (!value.every(isPrintable)) throw new Error('invalid PrintableString');
      return Buffer.from(value).toString('latin1');
    case TAG.UTF8String:
      if (!validUtf8(value)) throw new Error('invalid UTF-8 string');
      return Buffer.from(value).toString('utf8');
    case TAG.BMPString: {
      if (value.length % 2 !== 0) throw new Error('invalid BMPString');
      let v = value;
      if (v.length >= 2 && v[v.length - 1] === 0 && v[v.length - 2] === 0) v = v.subarray(0, v.length - 2);
      let s = '';
      for (let i = 0; i < v.length; i += 2) {
        const point = ((v[i] ?? 0) << 8) | (v[i + 1] ?? 0);
        if (
          point === 0xfffe ||
          point === 0xffff ||
          (point >= 0xfdd0 && point <= 0xfdef) ||
          (point >= 0xd800 && point <= 0xdfff)
        )
          throw new Error('invalid BMPString');
        s += String.fromCharCode(point);
      }
      return s;
    }
    case TAG.IA5String:
      if (!isIA5(value)) throw new Error('invalid IA5String');
      return Buffer.from(value).toString('latin1');
    case TAG.NumericString:
      if (!value.every((b) => (b >= 0x30 && b <= 0x39) || b === 0x20)) throw new Error('invalid NumericString');
      return Buffer.from(value).toString('latin1');
    default:
      throw new Error(`unsupported string type: ${tag}`);
  }
}

/** x509's parseName: the attributes of a DER Name, in order, or Go's error. */
export function parseRdnSequence(raw: Uint8Array): AttributeTypeAndValue[][] {
  const outer = new Der(raw);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined) throw new Error('x509: invalid RDNSequence');
  const der = new Der(seq);
  const rdns: AttributeTypeAndValue[][] = [];
  while (!der.empty()) {
    const setBytes = der.read(TAG.SET);
    if (setBytes === undefined) throw new Error('x509: invalid RDNSequence');
    const set = new Der(setBytes);
    const rdn: AttributeTypeAndValue[] = [];
    while (!set.empty()) {
      const atavBytes = set.read(TAG.SEQUENCE);
      if (atavBytes === undefined) throw new Error('x509: invalid RDNSequence: invalid attribute');
      const atav = new Der(atavBytes);
      const type = atav.readOid();
      if (type === undefined) throw new Error('x509: invalid RDNSequence: invalid attribute type');
      const value = atav.readAny();
      if (value === undefined) throw new Error('x509: invalid RDNSequence: invalid attribute value');
      let text: string;
      try {
        text = parseAsn1String(value.tag, value.contents);
      } catch (err) {
        throw new Error(`x509: invalid RDNSequence: invalid attribute value: ${(err as Error).message}`, {
          cause: err,
        });
      }
      rdn.push({ Type: type, Value: text });
    }
    rdns.push(rdn);
  }
  return rdns;
}

/** pkix.Name.FillFromRDNSequence. */
export function nameFromRdns(rdns: readonly (readonly AttributeTypeAndValue[])[]): GoName {
  const n: GoName = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: null,
  };
  const add = (
    key: 'Country' | 'Organization' | 'OrganizationalUnit' | 'Locality' | 'Province' | 'StreetAddress' | 'PostalCode',
    v: string,
  ): void => {
    (n[key] ??= []).push(v);
  };
  for (const rdn of rdns) {
    for (const atv of rdn) {
      (n.Names ??= []).push(atv);
      const t = atv.Type;
      if (t.length !== 4 || t[0] !== 2 || t[1] !== 5 || t[2] !== 4) continue;
      const v = atv.Value;
      switch (t[3]) {
        case 3:
          n.CommonName = v;
          break;
        case 5:
          n.SerialNumber = v;
          break;
        case 6:
          add('Country', v);
          break;
        case 7:
          add('Locality', v);
          break;
        case 8:
          add('Province', v);
          break;
        case 9:
          add('StreetAddress', v);
          break;
        case 10:
          add('Organization', v);
          break;
        case 11:
          add('OrganizationalUnit', v);
          break;
        case 17:
          add('PostalCode', v);
          break;
      }
    }
  }
  return n;
}

/** x509.OID's dotted text (OID.String), arcs of any size. */
export function oidText(der: Uint8Array): string {
  const arcs: bigint[] = [];
  let val = 0n;
  for (const b of der) {
    val = (val << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) {
        if (val < 80n) arcs.push(val / 40n, val % 40n);
        else arcs.push(2n, val - 80n);
      } else arcs.push(val);
      val = 0n;
    }
  }
  return arcs.join('.');
}

/** x509's newOIDFromDER validity check. */
export function validOidDer(der: Uint8Array): boolean {
  if (der.length === 0 || ((der[der.length - 1] ?? 0) & 0x80) !== 0) return false;
  let start = 0;
  for (let i = 0; i < der.length; i++) {
    const v = der[i] ?? 0;
    if (i === start && v === 0x80) return false;
    if ((v & 0x80) === 0) start = i + 1;
  }
  return true;
}

/** x509.OID.toASN1OID: the arcs when each fits 31 bits. */
export function oidArcs(der: Uint8Array): number[] | undefined {
  return decodeOidArcs(der);
}

/** Whether two OIDs (as arc lists) are equal. */
export function oidEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
