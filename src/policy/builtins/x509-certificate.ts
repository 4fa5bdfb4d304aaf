/**
 * Go's x509.ParseCertificates (crypto/x509/parser.go, Go 1.26, which OPA 1.22.2 is built with),
 * ported function by function over the strict DER reader in der.ts: the same certificates
 * accepted, the same fields filled, the same error texts. Public keys are read as Go reads them
 * and checked with node:crypto (an EC point must lie on its curve).
 */
import { createPublicKey } from 'node:crypto';
import { Der, TAG, contextTag, unsignedBigInt, type DerTime } from './der.ts';
import { parseGoUrl, type GoUrl } from './go-url.ts';
import { isIA5, nameFromRdns, oidEqual, type GoName } from './x509-names.ts';

/** pkix.Extension. */
export interface Extension {
  readonly Id: readonly number[];
  readonly Critical: boolean;
  readonly Value: Uint8Array;
}

/** A parsed public key, as the Go type it would be. */
export type PublicKey =
  | { readonly kind: 'rsa'; readonly N: bigint; readonly E: bigint }
  | { readonly kind: 'ecdsa'; readonly curve: Curve; readonly X: bigint; readonly Y: bigint }
  | { readonly kind: 'ed25519'; readonly raw: Uint8Array }
  | { readonly kind: 'x25519'; readonly raw: Uint8Array }
  | { readonly kind: 'dsa'; readonly P: bigint; readonly Q: bigint; readonly G: bigint; readonly Y: bigint };

/** The NIST curves Go's x509 knows, by their node:crypto names. */
export type Curve = 'P-224' | 'P-256' | 'P-384' | 'P-521';

/** *net.IPNet of a name constraint. */
export interface IpNet {
  readonly IP: Uint8Array;
  readonly Mask: Uint8Array;
}

/** x509.Certificate's fields as parseCertificate fills them (nil slices as null). */
export interface Certificate {
  Raw: Uint8Array;
  RawTBSCertificate: Uint8Array;
  RawSubjectPublicKeyInfo: Uint8Array;
  RawSubject: Uint8Array;
  RawIssuer: Uint8Array;
  Signature: Uint8Array;
  SignatureAlgorithm: number;
  PublicKeyAlgorithm: number;
  PublicKey: PublicKey | null;
  Version: number;
  SerialNumber: bigint;
  Issuer: GoName;
  Subject: GoName;
  NotBefore: DerTime;
  NotAfter: DerTime;
  KeyUsage: number;
  Extensions: Extension[] | null;
  UnhandledCriticalExtensions: (readonly number[])[] | null;
  ExtKeyUsage: number[] | null;
  UnknownExtKeyUsage: number[][] | null;
  BasicConstraintsValid: boolean;
  IsCA: boolean;
  MaxPathLen: number;
  MaxPathLenZero: boolean;
  SubjectKeyId: Uint8Array | null;
  AuthorityKeyId: Uint8Array | null;
  OCSPServer: Uint8Array[] | null;
  IssuingCertificateURL: Uint8Array[] | null;
  DNSNames: string[] | null;
  EmailAddresses: string[] | null;
  IPAddresses: Uint8Array[] | null;
  URIs: GoUrl[] | null;
  PermittedDNSDomainsCritical: boolean;
  PermittedDNSDomains: string[] | null;
  ExcludedDNSDomains: string[] | null;
  PermittedIPRanges: IpNet[] | null;
  ExcludedIPRanges: IpNet[] | null;
  PermittedEmailAddresses: string[] | null;
  ExcludedEmailAddresses: string[] | null;
  PermittedURIDomains: string[] | null;
  ExcludedURIDomains: string[] | null;
  CRLDistributionPoints: Uint8Array[] | null;
  PolicyIdentifiers: number[][] | null;
  Policies: Uint8Array[] | null;
  InhibitAnyPolicy: number;
  InhibitAnyPolicyZero: boolean;
  InhibitPolicyMapping: number;
  InhibitPolicyMappingZero: boolean;
  RequireExplicitPolicy: number;
  RequireExplicitPolicyZero: boolean;
  PolicyMappings: { IssuerDomainPolicy: Uint8Array; SubjectDomainPolicy: Uint8Array }[] | null;
}

/** x509.SignatureAlgorithm values. */
export const SIG = {
  Unknown: 0,
  MD2WithRSA: 1,
  MD5WithRSA: 2,
  SHA1WithRSA: 3,
  SHA256WithRSA: 4,
  SHA384WithRSA: 5,
  SHA512WithRSA: 6,
  DSAWithSHA1: 7,
  DSAWithSHA256: 8,
  ECDSAWithSHA1: 9,
  ECDSAWithSHA256: 10,
  ECDSAWithSHA384: 11,
  ECDSAWithSHA512: 12,
  SHA256WithRSAPSS: 13,
  SHA384WithRSAPSS: 14,
  SHA512WithRSAPSS: 15,
  PureEd25519: 16,
} as const;

/** x509.PublicKeyAlgorithm values. */
export const PKA = { Unknown: 0, RSA: 1, DSA: 2, ECDSA: 3, Ed25519: 4 } as const;

const OID = {
  rsa: [1, 2, 840, 113549, 1, 1, 1],
  dsa: [1, 2, 840, 10040, 4, 1],
  ecdsa: [1, 2, 840, 10045, 2, 1],
  x25519: [1, 3, 101, 110],
  ed25519: [1, 3, 101, 112],
  rsaPSS: [1, 2, 840, 113549, 1, 1, 10],
  mgf1: [1, 2, 840, 113549, 1, 1, 8],
  sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1],
  sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2],
  sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3],
  aia: [1, 3, 6, 1, 5, 5, 7, 1, 1],
  ocsp: [1, 3, 6, 1, 5, 5, 7, 48, 1],
  caIssuers: [1, 3, 6, 1, 5, 5, 7, 48, 2],
};

/** signatureAlgorithmDetails: OID -> algorithm (RSA-PSS is decided by its parameters). */
const SIGNATURE_OIDS: readonly [readonly number[], number][] = [
  [[1, 2, 840, 113549, 1, 1, 4], SIG.MD5WithRSA],
  [[1, 2, 840, 113549, 1, 1, 5], SIG.SHA1WithRSA],
  [[1, 3, 14, 3, 2, 29], SIG.SHA1WithRSA],
  [[1, 2, 840, 113549, 1, 1, 11], SIG.SHA256WithRSA],
  [[1, 2, 840, 113549, 1, 1, 12], SIG.SHA384WithRSA],
  [[1, 2, 840, 113549, 1, 1, 13], SIG.SHA512WithRSA],
  [[1, 2, 840, 10040, 4, 3], SIG.DSAWithSHA1],
  [[2, 16, 840, 1, 101, 3, 4, 3, 2], SIG.DSAWithSHA256],
  [[1, 2, 840, 10045, 4, 1], SIG.ECDSAWithSHA1],
  [[1, 2, 840, 10045, 4, 3, 2], SIG.ECDSAWithSHA256],
  [[1, 2, 840, 10045, 4, 3, 3], SIG.ECDSAWithSHA384],
  [[1, 2, 840, 10045, 4, 3, 4], SIG.ECDSAWithSHA512],
  [[1, 3, 101, 112], SIG.PureEd25519],
];

const CURVES: readonly [readonly number[], Curve, number][] = [
  [[1, 3, 132, 0, 33], 'P-224', 28],
  [[1, 2, 840, 10045, 3, 1, 7], 'P-256', 32],
  [[1, 3, 132, 0, 34], 'P-384', 48],
  [[1, 3, 132, 0, 35], 'P-521', 66],
];

/** extKeyUsageOIDs, in x509.ExtKeyUsage order. */
export const EXT_KEY_USAGE_OIDS: readonly (readonly number[])[] = [
  [2, 5, 29, 37, 0],
  [1, 3, 6, 1, 5, 5, 7, 3, 1],
  [1, 3, 6, 1, 5, 5, 7, 3, 2],
  [1, 3, 6, 1, 5, 5, 7, 3, 3],
  [1, 3, 6, 1, 5, 5, 7, 3, 4],
  [1, 3, 6, 1, 5, 5, 7, 3, 5],
  [1, 3, 6, 1, 5, 5, 7, 3, 6],
  [1, 3, 6, 1, 5, 5, 7, 3, 7],
  [1, 3, 6, 1, 5, 5, 7, 3, 8],
  [1, 3, 6, 1, 5, 5, 7, 3, 9],
  [1, 3, 6, 1, 4, 1, 311, 10, 3, 3],
  [2, 16, 840, 1, 113730, 4, 1],
  [1, 3, 6, 1, 4, 1, 311, 2, 1, 22],
  [1, 3, 6, 1, 4, 1, 311, 61, 1, 1],
];

const NULL_BYTES = Uint8Array.of(0x05, 0x00);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** pkix.AlgorithmIdentifier as parseAI reads it. */
export interface AlgorithmIdentifier {
  readonly Algorithm: readonly number[];
  /** Parameters' whole encoding (empty when absent). */
  readonly params: Uint8Array;
}

/** parseAI. */
export function parseAI(bytes: Uint8Array): AlgorithmIdentifier {
  const der = new Der(bytes);
  const Algorithm = der.readOid();
  if (Algorithm === undefined) throw new Error('x509: malformed OID');
  if (der.empty()) return { Algorithm, params: new Uint8Array(0) };
  const params = der.readAny();
  if (params === undefined) throw new Error('x509: malformed parameters');
  return { Algorithm, params: params.element };
}

/** An AlgorithmIdentifier as encoding/asn1 would unmarshal it from a whole element, or undefined. */
function asn1AlgorithmIdentifier(element: Uint8Array): AlgorithmIdentifier | undefined {
  const der = new Der(element);
  const seq = der.read(TAG.SEQUENCE);
  if (seq === undefined || !der.empty()) return undefined;
  try {
    return parseAI(seq);
  } catch {
    return undefined;
  }
}

function explicit(der: Der, n: number): Uint8Array | null | undefined {
  return der.readOptional(contextTag(n, true));
}

/** getSignatureAlgorithmFromAI, RSA-PSS parameters included. */
export function signatureAlgorithmFromAI(ai: AlgorithmIdentifier): number {
  if (oidEqual(ai.Algorithm, OID.ed25519) && ai.params.length !== 0) return SIG.Unknown;
  if (!oidEqual(ai.Algorithm, OID.rsaPSS)) {
    for (const [oid, algo] of SIGNATURE_OIDS) if (oidEqual(ai.Algorithm, oid)) return algo;
    return SIG.Unknown;
  }
  // pssParameters: hash [0], mgf [1], saltLength [2] explicit (required), trailerField [3] default 1.
  const outer = new Der(ai.params);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined) return SIG.Unknown;
  const der = new Der(seq);
  const hashEl = explicit(der, 0);
  const mgfEl = explicit(der, 1);
  const saltEl = explicit(der, 2);
  const trailerEl = explicit(der, 3);
  if (!hashEl || !mgfEl || !saltEl || trailerEl === undefined || !der.empty()) return SIG.Unknown;
  const hash = asn1AlgorithmIdentifier(hashEl);
  const mgf = asn1AlgorithmIdentifier(mgfEl);
  const salt = new Der(saltEl).readInt64();
  const trailer = trailerEl === null ? 1n : new Der(trailerEl).readInt64();
  if (hash === undefined || mgf === undefined || salt === undefined || trailer === undefined) return SIG.Unknown;
  const mgfHash = asn1AlgorithmIdentifier(mgf.params);
  if (mgfHash === undefined) return SIG.Unknown;
  const nullOrEmpty = (p: Uint8Array): boolean => p.length === 0 || bytesEqual(p, NULL_BYTES);
  if (
    !nullOrEmpty(hash.params) ||
    !oidEqual(mgf.Algorithm, OID.mgf1) ||
    !oidEqual(mgfHash.Algorithm, hash.Algorithm) ||
    !nullOrEmpty(mgfHash.params) ||
    trailer !== 1n
  )
    return SIG.Unknown;
  if (oidEqual(hash.Algorithm, OID.sha256) && salt === 32n) return SIG.SHA256WithRSAPSS;
  if (oidEqual(hash.Algorithm, OID.sha384) && salt === 48n) return SIG.SHA384WithRSAPSS;
  if (oidEqual(hash.Algorithm, OID.sha512) && salt === 64n) return SIG.SHA512WithRSAPSS;
  return SIG.Unknown;
}

/** getPublicKeyAlgorithmFromOID. */
export function publicKeyAlgorithmFromOid(oid: readonly number[]): number {
  if (oidEqual(oid, OID.rsa)) return PKA.RSA;
  if (oidEqual(oid, OID.dsa)) return PKA.DSA;
  if (oidEqual(oid, OID.ecdsa)) return PKA.ECDSA;
  if (oidEqual(oid, OID.ed25519)) return PKA.Ed25519;
  return PKA.Unknown;
}

/** parsePublicKey: the key of a SubjectPublicKeyInfo, with Go's errors. */
export function parsePublicKey(ai: AlgorithmIdentifier, key: Uint8Array, spki: Uint8Array): PublicKey {
  const oid = ai.Algorithm;
  if (oidEqual(oid, OID.rsa)) {
    if (!bytesEqual(ai.params, NULL_BYTES)) throw new Error('x509: RSA key missing NULL parameters');
    const outer = new Der(key);
    const seq = outer.read(TAG.SEQUENCE);
    if (seq === undefined) throw new Error('x509: invalid RSA public key');
    const der = new Der(seq);
    const N = der.readBigInt();
    if (N === undefined) throw new Error('x509: invalid RSA modulus');
    const E = der.readInt64();
    if (E === undefined) throw new Error('x509: invalid RSA public exponent');
    if (N <= 0n) throw new Error('x509: RSA modulus is not a positive number');
    if (E <= 0n) throw new Error('x509: RSA public exponent is not a positive number');
    return { kind: 'rsa', N, E };
  }
  if (oidEqual(oid, OID.ecdsa)) {
    const named = new Der(ai.params).readOid();
    if (named === undefined) throw new Error('x509: invalid ECDSA parameters');
    const curve = CURVES.find(([c]) => oidEqual(c, named));
    if (curve === undefined) throw new Error('x509: unsupported elliptic curve');
    const [, name, size] = curve;
    if (key.length < 1 || key[0] !== 4) throw new Error('ecdsa: invalid uncompressed public key');
    if (key.length !== 1 + 2 * size) throw new Error('invalid P' + name.slice(2) + ' point encoding');
    try {
      createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch (err) {
      throw new Error('invalid P' + name.slice(2) + ' point encoding', { cause: err });
    }
    return {
      kind: 'ecdsa',
      curve: name,
      X: unsignedBigInt(key.subarray(1, 1 + size)),
      Y: unsignedBigInt(key.subarray(1 + size)),
    };
  }
  if (oidEqual(oid, OID.ed25519)) {
    if (ai.params.length !== 0) throw new Error('x509: Ed25519 key encoded with illegal parameters');
    if (key.length !== 32) throw new Error('x509: wrong Ed25519 public key size');
    return { kind: 'ed25519', raw: key };
  }
  if (oidEqual(oid, OID.x25519)) {
    if (ai.params.length !== 0) throw new Error('x509: X25519 key encoded with illegal parameters');
    if (key.length !== 32) throw new Error('crypto/ecdh: invalid public key');
    return { kind: 'x25519', raw: key };
  }
  if (oidEqual(oid, OID.dsa)) {
    const Y = new Der(key).readBigInt();
    if (Y === undefined) throw new Error('x509: invalid DSA public key');
    const outer = new Der(ai.params);
    const seq = outer.read(TAG.SEQUENCE);
    const der = new Der(seq ?? new Uint8Array(0));
    const P = seq === undefined ? undefined : der.readBigInt();
    const Q = P === undefined ? undefined : der.readBigInt();
    const G = Q === undefined ? undefined : der.readBigInt();
    if (P === undefined || Q === undefined || G === undefined) throw new Error('x509: invalid DSA parameters');
    if (Y <= 0n || P <= 0n || Q <= 0n || G <= 0n) throw new Error('x509: zero or negative DSA parameter');
    return { kind: 'dsa', P, Q, G, Y };
  }
  throw new Error('x509: unknown public key algorithm');
}

/** x509's domainNameValid (Go 1.26, with the checks it has switched off left off). */
export function domainNameValid(name: string, constraint: boolean): boolean {
  if (name.length === 0) return true;
  if (name.endsWith('.')) return false;
  let s = name;
  if (constraint && s.startsWith('.')) s = s.slice(1);
  let lastDot = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (i < s.length && (c < 33 || c > 126)) return false;
    if (i === s.length || c === 0x2e) {
      const labelLen = lastDot >= 0 ? i - (lastDot + 1) : i;
      if (labelLen === 0) return false;
      lastDot = i;
    }
  }
  return true;
}

/** strconv.Quote for the ASCII strings x509's errors quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    const named: Record<string, string> = {
      '\x07': '\\a',
      '\b': '\\b',
      '\f': '\\f',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      '\v': '\\v',
      '"': '\\"',
      '\\': '\\\\',
    };
    if (named[ch] !== undefined) out += named[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0xfffd) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

/** An empty Certificate, as Go's zero value (public for CSR parsing, which reuses the SAN code). */
export function emptyCertificate(): Certificate {
  const name = nameFromRdns([]);
  return {
    Raw: new Uint8Array(0),
    RawTBSCertificate: new Uint8Array(0),
    RawSubjectPublicKeyInfo: new Uint8Array(0),
    RawSubject: new Uint8Array(0),
    RawIssuer: new Uint8Array(0),
    Signature: new Uint8Array(0),
    SignatureAlgorithm: 0,
    PublicKeyAlgorithm: 0,
    PublicKey: null,
    Version: 0,
    SerialNumber: 0n,
    Issuer: name,
    Subject: { ...name },
    NotBefore: { ms: 0, offsetSeconds: 0 },
    NotAfter: { ms: 0, offsetSeconds: 0 },
    KeyUsage: 0,
    Extensions: null,
    UnhandledCriticalExtensions: null,
    ExtKeyUsage: null,
    UnknownExtKeyUsage: null,
    BasicConstraintsValid: false,
    IsCA: false,
    MaxPathLen: 0,
    MaxPathLenZero: false,
    SubjectKeyId: null,
    AuthorityKeyId: null,
    OCSPServer: null,
    IssuingCertificateURL: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
    PermittedDNSDomainsCritical: false,
    PermittedDNSDomains: null,
    ExcludedDNSDomains: null,
    PermittedIPRanges: null,
    ExcludedIPRanges: null,
    PermittedEmailAddresses: null,
    ExcludedEmailAddresses: null,
    PermittedURIDomains: null,
    ExcludedURIDomains: null,
    CRLDistributionPoints: null,
    PolicyIdentifiers: null,
    Policies: null,
    InhibitAnyPolicy: 0,
    InhibitAnyPolicyZero: false,
    InhibitPolicyMapping: 0,
    InhibitPolicyMappingZero: false,
    RequireExplicitPolicy: 0,
    RequireExplicitPolicyZero: false,
    PolicyMappings: null,
  };
}

/** parseSANExtension: DNS names, emails, IPs and URIs of a subjectAltName value. */
export function parseSAN(value: Uint8Array): Pick<Certificate, 'DNSNames' | 'EmailAddresses' | 'IPAddresses' | 'URIs'> {
  const out: Pick<Certificate, 'DNSNames' | 'EmailAddresses' | 'IPAddresses' | 'URIs'> = {
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
  };
  const outer = new Der(value);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined) throw new Error('x509: invalid subject alternative names');
  const der = new Der(seq);
  while (!der.empty()) {
    const san = der.readAny();
    if (san === undefined) throw new Error('x509: invalid subject alternative name');
    const data = san.contents;
    switch (san.tag ^ 0x80) {
      case 1:
        if (!isIA5(data)) throw new Error('x509: SAN rfc822Name is malformed');
        (out.EmailAddresses ??= []).push(latin1(data));
        break;
      case 2:
        if (!isIA5(data)) throw new Error('x509: SAN dNSName is malformed');
        (out.DNSNames ??= []).push(latin1(data));
        break;
      case 6: {
        if (!isIA5(data)) throw new Error('x509: SAN uniformResourceIdentifier is malformed');
        const text = latin1(data);
        let uri: GoUrl;
        try {
          uri = parseGoUrl(text);
        } catch (err) {
          const hash = text.indexOf('#');
          const quoted = goQuote(
            hash >= 0 && !(err as Error).message.startsWith('invalid URL escape') ? text.slice(0, hash) : text,
          );
          throw new Error(`x509: cannot parse URI ${goQuote(text)}: parse ${quoted}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        if (uri.Host.length > 0 && !domainNameValid(uri.Host, false))
          throw new Error(`x509: cannot parse URI ${goQuote(text)}: invalid domain`);
        (out.URIs ??= []).push(uri);
        break;
      }
      case 7:
        if (data.length !== 4 && data.length !== 16)
          throw new Error(`x509: cannot parse IP address of length ${data.length}`);
        (out.IPAddresses ??= []).push(data);
        break;
      default:
        break;
    }
  }
  return out;
}
