/**
 * What Go's encoding/json writes for the crypto/x509 values OPA returns (OPA round-trips them
 * through json.Marshal): every exported field of x509.Certificate, []byte as padded base64, nil
 * slices as null, *big.Int as an exact JSON number, time.Time in RFC 3339, net.IP as text,
 * x509.OID as dotted text, url.URL field by field, and the public key as the Go key type's
 * exported fields (`Curve` of an ECDSA key marshals as `{}`).
 */
import type { DerTime } from './der.ts';
import { goUrlString, type GoUrl } from './go-url.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import type { Certificate, PublicKey } from './x509-certificate.ts';
import { goText, oidText, type GoName } from './x509-names.ts';

/** []byte: padded standard base64, nil as null. */
export function goBytes(b: Uint8Array | null): BuiltinValue {
  return b === null ? null : Buffer.from(b).toString('base64');
}

function text(b: Uint8Array): string {
  return goText(b);
}

function latinText(s: string): string {
  return goText(Buffer.from(s, 'latin1'));
}

function list<T>(xs: readonly T[] | null, f: (x: T) => BuiltinValue): BuiltinValue {
  return xs === null ? null : xs.map(f);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** time.Time.MarshalJSON for a time read from DER (whole seconds). */
export function goTimeJson(t: DerTime): string {
  const local = new Date(t.ms + t.offsetSeconds * 1000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const clock = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  if (t.offsetSeconds === 0) return `${date}T${clock}Z`;
  const abs = Math.abs(t.offsetSeconds);
  return `${date}T${clock}${t.offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
}

/** net.IP.String() for a 4- or 16-byte address. */
export function goIpString(ip: Uint8Array): string {
  const isV4Mapped = ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
  if (ip.length === 4 || isV4Mapped) return Array.from(ip.subarray(ip.length - 4)).join('.');
  if (ip.length !== 16) return `?${Buffer.from(ip).toString('hex')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] ?? 0) << 8) | (ip[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (groups[i] ?? 0).toString(16);
  }
  return out;
}

function nameJson(n: GoName): BuiltinValue {
  return {
    Country: n.Country,
    Organization: n.Organization,
    OrganizationalUnit: n.OrganizationalUnit,
    Locality: n.Locality,
    Province: n.Province,
    StreetAddress: n.StreetAddress,
    PostalCode: n.PostalCode,
    SerialNumber: n.SerialNumber,
    CommonName: n.CommonName,
    Names: list(n.Names, (a) => ({ Type: [...a.Type], Value: a.Value })),
    ExtraNames: null,
  };
}

/** The exported fields of the Go public key type. */
export function publicKeyJson(key: PublicKey | null): BuiltinValue {
  if (key === null) return null;
  switch (key.kind) {
    case 'rsa':
      return { N: integerResult(key.N), E: integerResult(key.E) };
    case 'ecdsa':
      return { Curve: {}, X: integerResult(key.X), Y: integerResult(key.Y) };
    case 'ed25519':
      return goBytes(key.raw);
    case 'x25519':
      return {};
    case 'dsa':
      return { P: integerResult(key.P), Q: integerResult(key.Q), G: integerResult(key.G), Y: integerResult(key.Y) };
  }
}

function urlJson(u: GoUrl): BuiltinValue {
  return {
    Scheme: latinText(u.Scheme),
    Opaque: latinText(u.Opaque),
    User: u.User === null ? null : {},
    Host: latinText(u.Host),
    Path: latinText(u.Path),
    RawPath: latinText(u.RawPath),
    OmitHost: u.OmitHost,
    ForceQuery: u.ForceQuery,
    RawQuery: latinText(u.RawQuery),
    Fragment: latinText(u.Fragment),
    RawFragment: latinText(u.RawFragment),
  };
}

/** URL.String() of each URI as OPA's URIStrings holds them (null when the certificate has none). */
export function uriStrings(c: Certificate): BuiltinValue {
  return list(c.URIs, (u) => latinText(goUrlString(u)));
}

/** json.Marshal of an x509.Certificate. */
export function certificateJson(c: Certificate): { [key: string]: BuiltinValue } {
  return {
    Raw: goBytes(c.Raw),
    RawTBSCertificate: goBytes(c.RawTBSCertificate),
    RawSubjectPublicKeyInfo: goBytes(c.RawSubjectPublicKeyInfo),
    RawSubject: goBytes(c.RawSubject),
    RawIssuer: goBytes(c.RawIssuer),
    Signature: goBytes(c.Signature),
    SignatureAlgorithm: c.SignatureAlgorithm,
    PublicKeyAlgorithm: c.PublicKeyAlgorithm,
    PublicKey: publicKeyJson(c.PublicKey),
    Version: c.Version,
    SerialNumber: integerResult(c.SerialNumber),
    Issuer: nameJson(c.Issuer),
    Subject: nameJson(c.Subject),
    NotBefore: goTimeJson(c.NotBefore),
    NotAfter: goTimeJson(c.NotAfter),
    KeyUsage: c.KeyUsage,
    Extensions: list(c.Extensions, (e) => ({ Id: [...e.Id], Critical: e.Critical, Value: goBytes(e.Value) })),
    ExtraExtensions: null,
    UnhandledCriticalExtensions: list(c.UnhandledCriticalExtensions, (id) => [...id]),
    ExtKeyUsage: c.ExtKeyUsage,
    UnknownExtKeyUsage: c.UnknownExtKeyUsage,
    BasicConstraintsValid: c.BasicConstraintsValid,
    IsCA: c.IsCA,
    MaxPathLen: c.MaxPathLen,
    MaxPathLenZero: c.MaxPathLenZero,
    SubjectKeyId: goBytes(c.SubjectKeyId),
    AuthorityKeyId: goBytes(c.AuthorityKeyId),
    OCSPServer: list(c.OCSPServer, text),
    IssuingCertificateURL: list(c.IssuingCertificateURL, text),
    DNSNames: c.DNSNames,
    EmailAddresses: c.EmailAddresses,
    IPAddresses: list(c.IPAddresses, goIpString),
    URIs: list(c.URIs, urlJson),
    PermittedDNSDomainsCritical: c.PermittedDNSDomainsCritical,
    PermittedDNSDomains: c.PermittedDNSDomains,
    ExcludedDNSDomains: c.ExcludedDNSDomains,
    PermittedIPRanges: list(c.PermittedIPRanges, (n) => ({ IP: goIpString(n.IP), Mask: goBytes(n.Mask) })),
    ExcludedIPRanges: list(c.ExcludedIPRanges, (n) => ({ IP: goIpString(n.IP), Mask: goBytes(n.Mask) })),
    PermittedEmailAddresses: c.PermittedEmailAddresses,
    ExcludedEmailAddresses: c.ExcludedEmailAddresses,
    PermittedURIDomains: c.PermittedURIDomains,
    ExcludedURIDomains: c.ExcludedURIDomains,
    CRLDistributionPoints: list(c.CRLDistributionPoints, text),
    PolicyIdentifiers: c.PolicyIdentifiers,
    Policies: list(c.Policies, oidText),
    InhibitAnyPolicy: c.InhibitAnyPolicy,
    InhibitAnyPolicyZero: c.InhibitAnyPolicyZero,
    InhibitPolicyMapping: c.InhibitPolicyMapping,
    InhibitPolicyMappingZero: c.InhibitPolicyMappingZero,
    RequireExplicitPolicy: c.RequireExplicitPolicy,
    RequireExplicitPolicyZero: c.RequireExplicitPolicyZero,
    PolicyMappings: list(c.PolicyMappings, (m) => ({
      IssuerDomainPolicy: oidText(m.IssuerDomainPolicy),
      SubjectDomainPolicy: oidText(m.SubjectDomainPolicy),
    })),
  };
}

/** OPA's extendedCert: the certificate plus URIStrings. */
export function extendedCertificateJson(c: Certificate): BuiltinValue {
  return { ...certificateJson(c), URIStrings: uriStrings(c) };
}
