/**
 * parseCertificate, processExtensions and ParseCertificates of Go's crypto/x509/parser.go
 * (Go 1.26), over the pieces in x509-certificate.ts. Negative serial numbers are refused, as
 * Go 1.23+ does by default (GODEBUG x509negativeserial unset).
 */
import { Der, TAG, contextTag } from './der.ts';
import {
  EXT_KEY_USAGE_OIDS,
  PKA,
  domainNameValid,
  emptyCertificate,
  goQuote,
  parseAI,
  parsePublicKey,
  parseSAN,
  publicKeyAlgorithmFromOid,
  signatureAlgorithmFromAI,
  type Certificate,
  type Extension,
  type IpNet,
} from './x509-certificate.ts';
import { isIA5, nameFromRdns, oidArcs, oidEqual, parseRdnSequence, validOidDer } from './x509-names.ts';

const INT_MAX = 2n ** 63n - 1n;

function latin1(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function isValidIPMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** parseRFC2821Mailbox's acceptance, enough for name-constraint validation. */
function validMailbox(s: string): boolean {
  // Go parses the local part as a dot-atom or a quoted string, then requires a domain.
  const at = s.lastIndexOf('@');
  if (at < 0) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (domain === '') return false;
  if (local.startsWith('"')) return /^"(?:[^"\\\r\n]|\\[\x20-\x7e])*"$/.test(local) && local.length <= 64 + 2;
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/.test(local);
}

interface Subtrees {
  dns: string[] | null;
  ips: IpNet[] | null;
  emails: string[] | null;
  uris: string[] | null;
}

function isIPLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s));
}

function parseNameConstraints(out: Certificate, e: Extension): boolean {
  const outer = new Der(e.Value);
  const top = outer.read(TAG.SEQUENCE);
  const bad = (): Error => new Error('x509: invalid NameConstraints extension');
  if (top === undefined || !outer.empty()) throw bad();
  const topDer = new Der(top);
  const permitted = topDer.readOptional(contextTag(0, true));
  const excluded = permitted === undefined ? undefined : topDer.readOptional(contextTag(1, true));
  if (permitted === undefined || excluded === undefined || !topDer.empty()) throw bad();
  if ((permitted === null && excluded === null) || ((permitted?.length ?? 0) === 0 && (excluded?.length ?? 0) === 0))
    throw new Error('x509: empty name constraints extension');
  let unhandled = false;
  const values = (subtrees: Uint8Array | null): Subtrees => {
    const r: Subtrees = { dns: null, ips: null, emails: null, uris: null };
    const der = new Der(subtrees ?? new Uint8Array(0));
    while (!der.empty()) {
      const seq = der.read(TAG.SEQUENCE);
      const v = seq === undefined ? undefined : new Der(seq).readAny();
      if (v === undefined) throw bad();
      const value = v.contents;
      const text = latin1(value);
      switch (v.tag) {
        case contextTag(2): {
          if (!isIA5(value))
            throw new Error(`x509: invalid constraint value: x509: ${goQuote(text)} cannot be encoded as an IA5String`);
          if (!domainNameValid(text, true))
            throw new Error(`x509: failed to parse dnsName constraint ${goQuote(text)}`);
          (r.dns ??= []).push(text);
          break;
        }
        case contextTag(7): {
          if (value.length !== 8 && value.length !== 32)
            throw new Error(`x509: IP constraint contained value of length ${value.length}`);
          const half = value.length / 2;
          const mask = value.subarray(half);
          if (!isValidIPMask(mask))
            throw new Error(`x509: IP constraint contained invalid mask ${Buffer.from(mask).toString('hex')}`);
          (r.ips ??= []).push({ IP: value.subarray(0, half), Mask: mask });
          break;
        }
        case contextTag(1): {
          if (!isIA5(value))
            throw new Error(`x509: invalid constraint value: x509: ${goQuote(text)} cannot be encoded as an IA5String`);
          if (text.includes('@') ? !validMailbox(text) : !domainNameValid(text, true))
            throw new Error(`x509: failed to parse rfc822Name constraint ${goQuote(text)}`);
          (r.emails ??= []).push(text);
          break;
        }
        case contextTag(6): {
          if (!isIA5(value))
            throw new Error(`x509: invalid constraint value: x509: ${goQuote(text)} cannot be encoded as an IA5String`);
          if (isIPLiteral(text))
            throw new Error(`x509: failed to parse URI constraint ${goQuote(text)}: cannot be IP address`);
          if (!domainNameValid(text, true)) throw new Error(`x509: failed to parse URI constraint ${goQuote(text)}`);
          (r.uris ??= []).push(text);
          break;
        }
        default:
          unhandled = true;
      }
    }
    return r;
  };
  const p = values(permitted);
  const x = values(excluded);
  out.PermittedDNSDomains = p.dns;
  out.PermittedIPRanges = p.ips;
  out.PermittedEmailAddresses = p.emails;
  out.PermittedURIDomains = p.uris;
  out.ExcludedDNSDomains = x.dns;
  out.ExcludedIPRanges = x.ips;
  out.ExcludedEmailAddresses = x.emails;
  out.ExcludedURIDomains = x.uris;
  out.PermittedDNSDomainsCritical = e.Critical;
  return unhandled;
}

function parseCRLDistributionPoints(out: Certificate, value: Uint8Array): void {
  const outer = new Der(value);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined) throw new Error('x509: invalid CRL distribution points');
  const val = new Der(seq);
  while (!val.empty()) {
    const dp = val.read(TAG.SEQUENCE);
    if (dp === undefined) throw new Error('x509: invalid CRL distribution point');
    const name = new Der(dp).readOptional(contextTag(0, true));
    if (name === undefined) throw new Error('x509: invalid CRL distribution point');
    if (name === null) continue;
    const full = new Der(name).read(contextTag(0, true));
    if (full === undefined) throw new Error('x509: invalid CRL distribution point');
    const names = new Der(full);
    while (!names.empty()) {
      if (!names.peek(contextTag(6))) break;
      const uri = names.read(contextTag(6));
      if (uri === undefined) throw new Error('x509: invalid CRL distribution point');
      (out.CRLDistributionPoints ??= []).push(uri);
    }
  }
}

function parseCertificatePolicies(value: Uint8Array): Uint8Array[] {
  const bad = (): Error => new Error('x509: invalid certificate policies');
  const outer = new Der(value);
  const seq = outer.read(TAG.SEQUENCE);
  if (seq === undefined) throw bad();
  const der = new Der(seq);
  const seen = new Set<string>();
  const oids: Uint8Array[] = [];
  while (!der.empty()) {
    const cp = der.read(TAG.SEQUENCE);
    const oid = cp === undefined ? undefined : new Der(cp).read(TAG.OBJECT_IDENTIFIER);
    if (oid === undefined) throw bad();
    const key = Buffer.from(oid).toString('hex');
    if (seen.has(key)) throw bad();
    seen.add(key);
    if (!validOidDer(oid)) throw bad();
    oids.push(oid);
  }
  return oids;
}

function processExtension(out: Certificate, e: Extension): boolean {
  const id = e.Id;
  if (id.length === 4 && id[0] === 2 && id[1] === 5 && id[2] === 29) {
    switch (id[3]) {
      case 15: {
        const bits = new Der(e.Value).readBitString();
        if (bits === undefined) throw new Error('x509: invalid key usage');
        let usage = 0;
        for (let i = 0; i < 9; i++) {
          const byte = bits.bytes[Math.floor(i / 8)] ?? 0;
          if (i < bits.bitLength && (byte >> (7 - (i % 8))) & 1) usage |= 1 << i;
        }
        out.KeyUsage = usage;
        return false;
      }
      case 19: {
        const bad = (): Error => new Error('x509: invalid basic constraints');
        const seq = new Der(e.Value).read(TAG.SEQUENCE);
        if (seq === undefined) throw bad();
        const der = new Der(seq);
        let isCA = false;
        if (der.peek(TAG.BOOLEAN)) {
          const b = der.readBoolean();
          if (b === undefined) throw bad();
          isCA = b;
        }
        let maxPathLen = -1;
        if (der.peek(TAG.INTEGER)) {
          const mpl = der.readUint64();
          if (mpl === undefined || mpl > INT_MAX) throw bad();
          maxPathLen = Number(mpl);
        }
        out.IsCA = isCA;
        out.MaxPathLen = maxPathLen;
        out.BasicConstraintsValid = true;
        out.MaxPathLenZero = maxPathLen === 0;
        return false;
      }
      case 17: {
        Object.assign(out, parseSAN(e.Value));
        return out.DNSNames === null && out.EmailAddresses === null && out.IPAddresses === null && out.URIs === null;
      }
      case 30:
        return parseNameConstraints(out, e);
      case 31:
        parseCRLDistributionPoints(out, e.Value);
        return false;
      case 35: {
        if (e.Critical) throw new Error('x509: authority key identifier incorrectly marked critical');
        const akid = new Der(e.Value).read(TAG.SEQUENCE);
        if (akid === undefined) throw new Error('x509: invalid authority key identifier');
        const der = new Der(akid);
        if (der.peek(contextTag(0))) {
          const id0 = der.read(contextTag(0));
          if (id0 === undefined) throw new Error('x509: invalid authority key identifier');
          out.AuthorityKeyId = id0;
        } else out.AuthorityKeyId = null;
        return false;
      }
      case 36: {
        const bad = (): Error => new Error('x509: invalid policy constraints extension');
        const seq = new Der(e.Value).read(TAG.SEQUENCE);
        if (seq === undefined) throw bad();
        const der = new Der(seq);
        if (der.peek(contextTag(0))) {
          const v = der.readInt64(contextTag(0));
          if (v === undefined) throw bad();
          out.RequireExplicitPolicy = Number(v);
          out.RequireExplicitPolicyZero = v === 0n;
        }
        if (der.peek(contextTag(1))) {
          const v = der.readInt64(contextTag(1));
          if (v === undefined) throw bad();
          out.InhibitPolicyMapping = Number(v);
          out.InhibitPolicyMappingZero = v === 0n;
        }
        return false;
      }
      case 37: {
        const bad = (): Error => new Error('x509: invalid extended key usages');
        const seq = new Der(e.Value).read(TAG.SEQUENCE);
        if (seq === undefined) throw bad();
        const der = new Der(seq);
        const known: number[] = [];
        const unknown: number[][] = [];
        while (!der.empty()) {
          const eku = der.readOid();
          if (eku === undefined) throw bad();
          const index = EXT_KEY_USAGE_OIDS.findIndex((o) => oidEqual(o, eku));
          if (index >= 0) known.push(index);
          else unknown.push(eku);
        }
        out.ExtKeyUsage = known.length > 0 ? known : null;
        out.UnknownExtKeyUsage = unknown.length > 0 ? unknown : null;
        return false;
      }
      case 14: {
        if (e.Critical) throw new Error('x509: subject key identifier incorrectly marked critical');
        const skid = new Der(e.Value).read(TAG.OCTET_STRING);
        if (skid === undefined) throw new Error('x509: invalid subject key identifier');
        out.SubjectKeyId = skid;
        return false;
      }
      case 32: {
        const policies = parseCertificatePolicies(e.Value);
        out.Policies = policies.length > 0 ? policies : null;
        out.PolicyIdentifiers = [];
        for (const p of policies) {
          const arcs = oidArcs(p);
          if (arcs !== undefined) out.PolicyIdentifiers.push(arcs);
        }
        return false;
      }
      case 33: {
        const bad = (): Error => new Error('x509: invalid policy mappings extension');
        const seq = new Der(e.Value).read(TAG.SEQUENCE);
        if (seq === undefined) throw bad();
        const der = new Der(seq);
        while (!der.empty()) {
          const s = der.read(TAG.SEQUENCE);
          const m = new Der(s ?? new Uint8Array(0));
          const issuer = s === undefined ? undefined : m.read(TAG.OBJECT_IDENTIFIER);
          const subject = issuer === undefined ? undefined : m.read(TAG.OBJECT_IDENTIFIER);
          if (issuer === undefined || subject === undefined) throw bad();
          (out.PolicyMappings ??= []).push({ IssuerDomainPolicy: issuer, SubjectDomainPolicy: subject });
        }
        return false;
      }
      case 54: {
        const v = new Der(e.Value).readInt64();
        if (v === undefined) throw new Error('x509: invalid inhibit any policy extension');
        out.InhibitAnyPolicy = Number(v);
        out.InhibitAnyPolicyZero = v === 0n;
        return false;
      }
      default:
        return true;
    }
  }
  if (oidEqual(id, [1, 3, 6, 1, 5, 5, 7, 1, 1])) {
    if (e.Critical) throw new Error('x509: authority info access incorrectly marked critical');
    const bad = (): Error => new Error('x509: invalid authority info access');
    const seq = new Der(e.Value).read(TAG.SEQUENCE);
    if (seq === undefined) throw bad();
    const val = new Der(seq);
    while (!val.empty()) {
      const aia = val.read(TAG.SEQUENCE);
      if (aia === undefined) throw bad();
      const der = new Der(aia);
      const method = der.readOid();
      if (method === undefined) throw bad();
      if (!der.peek(contextTag(6))) continue;
      const uri = der.read(contextTag(6));
      if (uri === undefined) throw bad();
      if (oidEqual(method, [1, 3, 6, 1, 5, 5, 7, 48, 1])) (out.OCSPServer ??= []).push(uri);
      else if (oidEqual(method, [1, 3, 6, 1, 5, 5, 7, 48, 2])) (out.IssuingCertificateURL ??= []).push(uri);
    }
    return false;
  }
  return true;
}

/** processExtensions. */
export function processExtensions(out: Certificate): void {
  for (const e of out.Extensions ?? []) {
    const unhandled = processExtension(out, e);
    if (e.Critical && unhandled) (out.UnhandledCriticalExtensions ??= []).push(e.Id);
  }
}

function oidString(arcs: readonly number[]): string {
  return arcs.join('.');
}

/** parseCertificate: one certificate from the front of `der`. */
export function parseCertificate(der: Uint8Array): Certificate {
  const cert = emptyCertificate();
  const top = new Der(der);
  const raw = top.readElement(TAG.SEQUENCE);
  if (raw === undefined) throw new Error('x509: malformed certificate');
  cert.Raw = raw;
  const body = new Der(raw).read(TAG.SEQUENCE);
  if (body === undefined) throw new Error('x509: malformed certificate');
  const input = new Der(body);
  const tbsRaw = input.readElement(TAG.SEQUENCE);
  if (tbsRaw === undefined) throw new Error('x509: malformed tbs certificate');
  cert.RawTBSCertificate = tbsRaw;
  const tbsBody = new Der(tbsRaw).read(TAG.SEQUENCE);
  if (tbsBody === undefined) throw new Error('x509: malformed tbs certificate');
  const tbs = new Der(tbsBody);

  const versionEl = tbs.readOptional(contextTag(0, true));
  let version = 0n;
  if (versionEl === undefined) throw new Error('x509: malformed version');
  if (versionEl !== null) {
    const v = new Der(versionEl);
    const n = v.readInt64();
    if (n === undefined || !v.empty()) throw new Error('x509: malformed version');
    version = n;
  }
  if (version < 0n) throw new Error('x509: malformed version');
  if (version + 1n > 3n) throw new Error('x509: invalid version');
  cert.Version = Number(version) + 1;

  const serial = tbs.readBigInt();
  if (serial === undefined) throw new Error('x509: malformed serial number');
  if (serial < 0n) throw new Error('x509: negative serial number');
  cert.SerialNumber = serial;

  const sigAISeq = tbs.read(TAG.SEQUENCE);
  if (sigAISeq === undefined) throw new Error('x509: malformed signature algorithm identifier');
  const outerSigAISeq = input.read(TAG.SEQUENCE);
  if (outerSigAISeq === undefined) throw new Error('x509: malformed algorithm identifier');
  if (!bytesEqual(outerSigAISeq, sigAISeq))
    throw new Error("x509: inner and outer signature algorithm identifiers don't match");
  cert.SignatureAlgorithm = signatureAlgorithmFromAI(parseAI(sigAISeq));

  const issuerSeq = tbs.readElement(TAG.SEQUENCE);
  if (issuerSeq === undefined) throw new Error('x509: malformed issuer');
  cert.RawIssuer = issuerSeq;
  cert.Issuer = nameFromRdns(parseRdnSequence(issuerSeq));

  const validity = tbs.read(TAG.SEQUENCE);
  if (validity === undefined) throw new Error('x509: malformed validity');
  const validityDer = new Der(validity);
  cert.NotBefore = parseTimeOf(validityDer);
  cert.NotAfter = parseTimeOf(validityDer);

  const subjectSeq = tbs.readElement(TAG.SEQUENCE);
  if (subjectSeq === undefined) throw new Error('x509: malformed issuer');
  cert.RawSubject = subjectSeq;
  cert.Subject = nameFromRdns(parseRdnSequence(subjectSeq));

  const spki = tbs.readElement(TAG.SEQUENCE);
  if (spki === undefined) throw new Error('x509: malformed spki');
  cert.RawSubjectPublicKeyInfo = spki;
  const spkiBody = new Der(spki).read(TAG.SEQUENCE);
  if (spkiBody === undefined) throw new Error('x509: malformed spki');
  const spkiDer = new Der(spkiBody);
  const pkAISeq = spkiDer.read(TAG.SEQUENCE);
  if (pkAISeq === undefined) throw new Error('x509: malformed public key algorithm identifier');
  const pkAI = parseAI(pkAISeq);
  cert.PublicKeyAlgorithm = publicKeyAlgorithmFromOid(pkAI.Algorithm);
  const spk = spkiDer.readBitString();
  if (spk === undefined) throw new Error('x509: malformed subjectPublicKey');
  if (cert.PublicKeyAlgorithm !== PKA.Unknown) cert.PublicKey = parsePublicKey(pkAI, rightAlign(spk), spki);

  if (cert.Version > 1) {
    if (!tbs.skipOptional(contextTag(1))) throw new Error('x509: malformed issuerUniqueID');
    if (!tbs.skipOptional(contextTag(2))) throw new Error('x509: malformed subjectUniqueID');
    if (cert.Version === 3) {
      const extensions = tbs.readOptional(contextTag(3, true));
      if (extensions === undefined) throw new Error('x509: malformed extensions');
      if (extensions !== null) {
        const seq = new Der(extensions).read(TAG.SEQUENCE);
        if (seq === undefined) throw new Error('x509: malformed extensions');
        const der = new Der(seq);
        const seen = new Set<string>();
        while (!der.empty()) {
          const extension = der.read(TAG.SEQUENCE);
          if (extension === undefined) throw new Error('x509: malformed extension');
          const ext = parseExtensionOf(extension);
          const key = oidString(ext.Id);
          if (seen.has(key)) throw new Error(`x509: certificate contains duplicate extension with OID ${goQuote(key)}`);
          seen.add(key);
          (cert.Extensions ??= []).push(ext);
        }
        processExtensions(cert);
      }
    }
  }

  const signature = input.readBitString();
  if (signature === undefined) throw new Error('x509: malformed signature');
  cert.Signature = rightAlign(signature);
  return cert;
}

function parseTimeOf(der: Der): Certificate['NotBefore'] {
  if (der.peek(TAG.UTCTime)) {
    const t = der.readUTCTime();
    if (t === undefined) throw new Error('x509: malformed UTCTime');
    return t;
  }
  if (der.peek(TAG.GeneralizedTime)) {
    const t = der.readGeneralizedTime();
    if (t === undefined) throw new Error('x509: malformed GeneralizedTime');
    return t;
  }
  throw new Error('x509: unsupported time format');
}

function parseExtensionOf(bytes: Uint8Array): Extension {
  const der = new Der(bytes);
  const Id = der.readOid();
  if (Id === undefined) throw new Error('x509: malformed extension OID field');
  let Critical = false;
  if (der.peek(TAG.BOOLEAN)) {
    const b = der.readBoolean();
    if (b === undefined) throw new Error('x509: malformed extension critical field');
    Critical = b;
  }
  const Value = der.read(TAG.OCTET_STRING);
  if (Value === undefined) throw new Error('x509: malformed extension value field');
  return { Id, Critical, Value };
}

/** asn1.BitString.RightAlign. */
export function rightAlign(bits: { bytes: Uint8Array; bitLength: number }): Uint8Array {
  const shift = 8 - (bits.bitLength % 8);
  if (shift === 8 || bits.bytes.length === 0) return bits.bytes;
  const a = new Uint8Array(bits.bytes.length);
  a[0] = (bits.bytes[0] ?? 0) >> shift;
  for (let i = 1; i < bits.bytes.length; i++) {
    a[i] = (((bits.bytes[i - 1] ?? 0) << (8 - shift)) & 0xff) | ((bits.bytes[i] ?? 0) >> shift);
  }
  return a;
}

/** x509.ParseCertificates: concatenated DER certificates, none when the input is empty. */
export function parseCertificates(der: Uint8Array): Certificate[] {
  const certs: Certificate[] = [];
  let rest = der;
  while (rest.length > 0) {
    const cert = parseCertificate(rest);
    certs.push(cert);
    rest = rest.subarray(cert.Raw.length);
  }
  return certs;
}
