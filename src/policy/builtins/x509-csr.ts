/**
 * Go's x509.ParseCertificateRequest (Go 1.26) and the JSON OPA returns for it. Go reads a CSR
 * with encoding/asn1 rather than cryptobyte: a SEQUENCE may carry extra trailing elements,
 * attribute values are decoded by type (strings, integers, booleans, OIDs, octet strings), and
 * attributes that do not parse are dropped. The subject, public key and SAN parsing are the
 * certificate parser's. Errors carry Go's prefixes (`asn1: structure error`, `asn1: syntax
 * error`); the top-level tag mismatch has Go's exact text.
 */
import { Der, TAG, contextTag, decodeOidArcs } from './der.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import {
  PKA,
  parseAI,
  parsePublicKey,
  parseSAN,
  publicKeyAlgorithmFromOid,
  signatureAlgorithmFromAI,
  type Extension,
} from './x509-certificate.ts';
import { goBytes, goIpString, goTimeJson, publicKeyJson } from './x509-json.ts';
import { goText, nameFromRdns, parseAsn1String, type AttributeTypeAndValue } from './x509-names.ts';
import { rightAlign } from './x509-parse.ts';
import type { GoUrl } from './go-url.ts';

const structure = (detail: string): Error => new Error(`asn1: structure error: ${detail}`);
const syntax = (detail: string): Error => new Error(`asn1: syntax error: ${detail}`);

function need(der: Der, tag: number, what: string): Uint8Array {
  const got = der.readAny();
  if (got === undefined) throw syntax('data truncated');
  if (got.tag !== tag) throw structure(`tags don't match (${tag & 0x1f} vs ${what})`);
  return got.contents;
}

/** encoding/asn1's decoding of an ANY value (nil, shown as null, for types it does not know). */
function anyValue(el: { tag: number; contents: Uint8Array }): BuiltinValue {
  const { tag, contents } = el;
  if ((tag & 0xe0) !== 0) return null;
  switch (tag) {
    case TAG.BOOLEAN:
      if (contents.length !== 1 || (contents[0] !== 0 && contents[0] !== 0xff)) throw syntax('invalid boolean');
      return contents[0] === 0xff;
    case TAG.T61String:
      return goText(contents);
    case TAG.PrintableString:
    case TAG.NumericString:
    case TAG.IA5String:
    case TAG.UTF8String:
    case TAG.BMPString:
      try {
        return parseAsn1String(tag, contents);
      } catch (err) {
        throw syntax((err as Error).message);
      }
    case TAG.INTEGER: {
      const v = new Der(Uint8Array.of(TAG.INTEGER, contents.length, ...contents)).readInt64();
      if (contents.length > 127 || v === undefined) throw structure('integer too large');
      return integerResult(v);
    }
    case TAG.BIT_STRING: {
      const v = new Der(Uint8Array.of(TAG.BIT_STRING, contents.length, ...contents)).readBitString();
      if (contents.length > 127 || v === undefined) throw syntax('invalid bit string');
      return { Bytes: goBytes(v.bytes), BitLength: v.bitLength };
    }
    case TAG.OBJECT_IDENTIFIER: {
      const arcs = decodeOidArcs(contents);
      if (arcs === undefined) throw syntax('invalid object identifier');
      return arcs;
    }
    case TAG.OCTET_STRING:
      return goBytes(contents);
    case TAG.UTCTime:
    case TAG.GeneralizedTime: {
      const whole = Uint8Array.of(tag, contents.length, ...contents);
      const der = new Der(whole);
      const t = contents.length > 127 ? undefined : tag === TAG.UTCTime ? der.readUTCTime() : der.readGeneralizedTime();
      if (t === undefined) throw syntax('invalid time');
      return goTimeJson(t);
    }
    default:
      return null;
  }
}

/** pkix.AttributeTypeAndValue: SEQUENCE { OID, ANY } (extra elements allowed, as asn1 does). */
function attributeTypeAndValue(bytes: Uint8Array): { Type: number[]; Value: BuiltinValue } {
  const der = new Der(bytes);
  const type = der.readOid();
  if (type === undefined) throw structure('invalid attribute type');
  const value = der.readAny();
  if (value === undefined) throw syntax('sequence truncated');
  return { Type: type, Value: anyValue(value) };
}

function sequenceOfAtv(bytes: Uint8Array): { Type: number[]; Value: BuiltinValue }[] {
  const der = new Der(bytes);
  const out: { Type: number[]; Value: BuiltinValue }[] = [];
  while (!der.empty()) out.push(attributeTypeAndValue(need(der, TAG.SEQUENCE, 'attribute')));
  return out;
}

/** parseRawAttributes: each attribute that unmarshals as pkix.AttributeTypeAndValueSET. */
function rawAttributes(attributes: readonly Uint8Array[]): BuiltinValue {
  const out: BuiltinValue[] = [];
  for (const raw of attributes) {
    try {
      const outer = new Der(raw);
      const der = new Der(need(outer, TAG.SEQUENCE, 'attribute'));
      if (!outer.empty()) continue;
      const type = der.readOid();
      if (type === undefined) continue;
      const set = new Der(need(der, TAG.SET, 'set'));
      const values: BuiltinValue[] = [];
      while (!set.empty()) values.push(sequenceOfAtv(need(set, TAG.SEQUENCE, 'sequence')));
      out.push({ Type: type, Value: values });
    } catch {
      // Go drops an attribute that does not parse
    }
  }
  return out.length === 0 ? null : out;
}

/** parseCSRExtensions: the extensions of the extensionRequest attributes, in order. */
function csrExtensions(attributes: readonly Uint8Array[]): Extension[] | null {
  let ret: Extension[] | null = null;
  const seen = new Set<string>();
  for (const raw of attributes) {
    let id: number[] | undefined;
    let first: Uint8Array | undefined;
    try {
      const outer = new Der(raw);
      const der = new Der(need(outer, TAG.SEQUENCE, 'attribute'));
      if (!outer.empty()) continue;
      id = der.readOid();
      const set = new Der(need(der, TAG.SET, 'set'));
      first = set.readAny()?.element;
    } catch {
      continue;
    }
    if (id === undefined || first === undefined || id.join('.') !== '1.2.840.113549.1.9.14') continue;
    const der = new Der(first);
    const list = new Der(need(der, TAG.SEQUENCE, 'extensions'));
    while (!list.empty()) {
      const ext = new Der(need(list, TAG.SEQUENCE, 'extension'));
      const extId = ext.readOid();
      if (extId === undefined) throw structure('invalid extension id');
      let critical = false;
      if (ext.peek(TAG.BOOLEAN)) {
        const b = ext.readBoolean();
        if (b === undefined) throw syntax('invalid boolean');
        critical = b;
      }
      const value = need(ext, TAG.OCTET_STRING, 'extension value');
      const key = extId.join('.');
      if (seen.has(key)) throw new Error('x509: certificate request contains duplicate requested extensions');
      seen.add(key);
      (ret ??= []).push({ Id: extId, Critical: critical, Value: value });
    }
  }
  return ret;
}

/** The subject as asn1.Unmarshal into pkix.RDNSequence: Names keep non-string values too. */
function subjectJson(raw: Uint8Array): BuiltinValue {
  const outer = new Der(raw);
  const seq = need(outer, TAG.SEQUENCE, 'RDNSequence');
  if (!outer.empty()) throw new Error('x509: trailing data after X.509 Subject');
  const der = new Der(seq);
  const names: { Type: number[]; Value: BuiltinValue }[] = [];
  while (!der.empty()) {
    const set = new Der(need(der, TAG.SET, 'set'));
    while (!set.empty()) names.push(attributeTypeAndValue(need(set, TAG.SEQUENCE, 'attribute')));
  }
  const strings: AttributeTypeAndValue[] = names.flatMap((n) =>
    typeof n.Value === 'string' ? [{ Type: n.Type, Value: n.Value }] : [],
  );
  const name = nameFromRdns([strings]);
  return {
    Country: name.Country,
    Organization: name.Organization,
    OrganizationalUnit: name.OrganizationalUnit,
    Locality: name.Locality,
    Province: name.Province,
    StreetAddress: name.StreetAddress,
    PostalCode: name.PostalCode,
    SerialNumber: name.SerialNumber,
    CommonName: name.CommonName,
    Names: names.length === 0 ? null : names,
    ExtraNames: null,
  };
}

function urlJson(u: GoUrl): BuiltinValue {
  const t = (s: string): string => goText(Buffer.from(s, 'latin1'));
  return {
    Scheme: t(u.Scheme),
    Opaque: t(u.Opaque),
    User: u.User === null ? null : {},
    Host: t(u.Host),
    Path: t(u.Path),
    RawPath: t(u.RawPath),
    OmitHost: u.OmitHost,
    ForceQuery: u.ForceQuery,
    RawQuery: t(u.RawQuery),
    Fragment: t(u.Fragment),
    RawFragment: t(u.RawFragment),
  };
}

function topLevelMismatch(bytes: Uint8Array): Error {
  const tag = bytes[0] ?? 0;
  const lenByte = bytes[1] ?? 0;
  let length = lenByte;
  let offset = 2;
  if ((lenByte & 0x80) !== 0) {
    const n = lenByte & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[2 + i] ?? 0);
    offset = 2 + n;
  }
  const params =
    '{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}';
  return structure(
    `tags don't match (16 vs {class:${tag >> 6} tag:${tag & 0x1f} length:${length} isCompound:${(tag & 0x20) !== 0}}) ${params} certificateRequest @${offset}`,
  );
}

/** x509.ParseCertificateRequest, as the JSON OPA returns. */
export function parseCertificateRequestJson(der: Uint8Array): BuiltinValue {
  if (der.length < 2) throw syntax('data truncated');
  if (der[0] !== TAG.SEQUENCE) throw topLevelMismatch(der);
  const top = new Der(der);
  const raw = top.readElement(TAG.SEQUENCE);
  if (raw === undefined) throw syntax('data truncated');
  if (!top.empty()) throw syntax('trailing data');
  const csr = new Der(need(new Der(raw), TAG.SEQUENCE, 'certificateRequest'));
  const tbsRaw = csr.readElement(TAG.SEQUENCE);
  if (tbsRaw === undefined) throw structure("tags don't match (16 vs tbsCertificateRequest)");
  const tbs = new Der(need(new Der(tbsRaw), TAG.SEQUENCE, 'tbsCertificateRequest'));
  const version = tbs.readInt64();
  if (version === undefined) throw structure("tags don't match (2 vs version)");
  const subject = tbs.readAny();
  if (subject === undefined) throw syntax('data truncated');
  const spki = tbs.readElement(TAG.SEQUENCE);
  if (spki === undefined) throw structure("tags don't match (16 vs publicKeyInfo)");
  const spkiDer = new Der(need(new Der(spki), TAG.SEQUENCE, 'publicKeyInfo'));
  const pkAI = parseAI(need(spkiDer, TAG.SEQUENCE, 'AlgorithmIdentifier'));
  const spk = spkiDer.readBitString();
  if (spk === undefined) throw structure("tags don't match (3 vs BitString)");
  const attrs = new Der(need(tbs, contextTag(0, true), 'RawAttributes'));
  const attributes: Uint8Array[] = [];
  while (!attrs.empty()) {
    const a = attrs.readAny();
    if (a === undefined) throw syntax('data truncated');
    attributes.push(a.element);
  }
  const sigAI = parseAI(need(csr, TAG.SEQUENCE, 'AlgorithmIdentifier'));
  const sig = csr.readBitString();
  if (sig === undefined) throw structure("tags don't match (3 vs BitString)");

  const publicKeyAlgorithm = publicKeyAlgorithmFromOid(pkAI.Algorithm);
  const publicKey = publicKeyAlgorithm === PKA.Unknown ? null : parsePublicKey(pkAI, rightAlign(spk), spki);
  const subjectValue = subjectJson(subject.element);
  const extensions = csrExtensions(attributes);
  let san: ReturnType<typeof parseSAN> = { DNSNames: null, EmailAddresses: null, IPAddresses: null, URIs: null };
  for (const e of extensions ?? []) if (e.Id.join('.') === '2.5.29.17') san = parseSAN(e.Value);
  return {
    Raw: goBytes(raw),
    RawTBSCertificateRequest: goBytes(tbsRaw),
    RawSubjectPublicKeyInfo: goBytes(spki),
    RawSubject: goBytes(subject.element),
    Version: integerResult(version),
    Signature: goBytes(rightAlign(sig)),
    SignatureAlgorithm: signatureAlgorithmFromAI(sigAI),
    PublicKeyAlgorithm: publicKeyAlgorithm,
    PublicKey: publicKeyJson(publicKey),
    Subject: subjectValue,
    Attributes: rawAttributes(attributes),
    Extensions:
      extensions === null
        ? null
        : extensions.map((e) => ({ Id: [...e.Id], Critical: e.Critical, Value: goBytes(e.Value) })),
    ExtraExtensions: null,
    DNSNames: san.DNSNames,
    EmailAddresses: san.EmailAddresses,
    IPAddresses: san.IPAddresses === null ? null : san.IPAddresses.map(goIpString),
    URIs: san.URIs === null ? null : san.URIs.map(urlJson),
  };
}
