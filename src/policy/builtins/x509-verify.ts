/**
 * Go's (*x509.Certificate).Verify (crypto/x509/verify.go, Go 1.26) for the pools OPA builds: the
 * first certificate is the only root, the last is the leaf, the others are intermediates.
 * Chains are built as Go builds them (candidates ordered by key-identifier match, roots before
 * intermediates, at most 100 signature checks), each certificate checked for validity at the
 * given time, CA status and path length, the leaf for the DNS name and the chain for extended
 * key usages; signatures are checked with node:crypto under Go's rules (no MD5 or SHA-1, RSA
 * keys of 1024 bits or more with an odd exponent below 2^31).
 *
 * Chains whose certificates carry name constraints or policy constraints (requireExplicitPolicy,
 * inhibitPolicyMapping, inhibitAnyPolicy, policy mappings) are refused with an error rather
 * than judged differently from Go (see README.md in this folder).
 */
import { createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { PKA, SIG, type Certificate } from './x509-certificate.ts';
import { goIpString } from './x509-json.ts';

/** x509.VerifyOptions as OPA fills them. */
export interface VerifyOptions {
  readonly dnsName: string;
  /** Nanoseconds since the epoch; undefined means now. */
  readonly currentTimeNs: bigint | undefined;
  /** x509.ExtKeyUsage values; empty means ServerAuth. */
  readonly keyUsages: readonly number[];
}

const EKU_ANY = 0;
const EKU_SERVER_AUTH = 1;
const KEY_USAGE_CERT_SIGN = 1 << 5;
const MAX_SIGNATURE_CHECKS = 100;

/** Thrown for chains regent cannot judge as Go would; the builtin then fails. */
export class UnsupportedChainError extends Error {}

function same(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return Buffer.from(a ?? new Uint8Array(0)).equals(Buffer.from(b ?? new Uint8Array(0)));
}

const HASHES: Readonly<Record<number, string>> = {
  [SIG.SHA256WithRSA]: 'sha256',
  [SIG.SHA384WithRSA]: 'sha384',
  [SIG.SHA512WithRSA]: 'sha512',
  [SIG.SHA256WithRSAPSS]: 'sha256',
  [SIG.SHA384WithRSAPSS]: 'sha384',
  [SIG.SHA512WithRSAPSS]: 'sha512',
  [SIG.ECDSAWithSHA256]: 'sha256',
  [SIG.ECDSAWithSHA384]: 'sha384',
  [SIG.ECDSAWithSHA512]: 'sha512',
};

function keyObject(cert: Certificate): KeyObject {
  return createPublicKey({ key: Buffer.from(cert.RawSubjectPublicKeyInfo), format: 'der', type: 'spki' });
}

/** checkSignature with allowSHA1 false: whether `parent`'s key signed `child`. */
function checkSignature(child: Certificate, parent: Certificate): boolean {
  const algo = child.SignatureAlgorithm;
  const key = parent.PublicKey;
  if (key === null) return false;
  const data = Buffer.from(child.RawTBSCertificate);
  const signature = Buffer.from(child.Signature);
  try {
    if (algo === SIG.PureEd25519)
      return key.kind === 'ed25519' && cryptoVerify(null, data, keyObject(parent), signature);
    const hash = HASHES[algo];
    if (hash === undefined) return false; // MD5 and SHA-1 are insecure, the rest unsupported
    if (algo >= SIG.SHA256WithRSA && algo <= SIG.SHA512WithRSA) {
      if (key.kind !== 'rsa' || !rsaKeyUsable(key.N, key.E)) return false;
      return cryptoVerify(hash, data, { key: keyObject(parent), padding: constants.RSA_PKCS1_PADDING }, signature);
    }
    if (algo >= SIG.SHA256WithRSAPSS && algo <= SIG.SHA512WithRSAPSS) {
      if (key.kind !== 'rsa' || !rsaKeyUsable(key.N, key.E)) return false;
      const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[hash] ?? 0;
      return cryptoVerify(
        hash,
        data,
        { key: keyObject(parent), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        signature,
      );
    }
    if (key.kind !== 'ecdsa') return false;
    return cryptoVerify(hash, data, { key: keyObject(parent), dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** Go's RSA public-key checks before a verification (rsa1024min and fips140/rsa.checkPublicKey). */
function rsaKeyUsable(n: bigint, e: bigint): boolean {
  return n.toString(2).length >= 1024 && (n & 1n) === 1n && e >= 2n && (e & 1n) === 1n && e <= 2n ** 31n - 1n;
}

function checkSignatureFrom(child: Certificate, parent: Certificate): boolean {
  if ((parent.Version === 3 && !parent.BasicConstraintsValid) || (parent.BasicConstraintsValid && !parent.IsCA))
    return false;
  if (parent.KeyUsage !== 0 && (parent.KeyUsage & KEY_USAGE_CERT_SIGN) === 0) return false;
  if (parent.PublicKeyAlgorithm === PKA.Unknown) return false;
  return checkSignature(child, parent);
}

type CertType = 'leaf' | 'intermediate' | 'root';

function isValid(c: Certificate, type: CertType, chain: readonly Certificate[], nowNs: bigint): boolean {
  if (c.UnhandledCriticalExtensions !== null) return false;
  const child = chain[chain.length - 1];
  if (child !== undefined && !same(child.RawIssuer, c.RawSubject)) return false;
  if (nowNs < BigInt(c.NotBefore.ms) * 1_000_000n || nowNs > BigInt(c.NotAfter.ms) * 1_000_000n) return false;
  if (type === 'intermediate' && (!c.BasicConstraintsValid || !c.IsCA)) return false;
  if (c.BasicConstraintsValid && c.MaxPathLen >= 0 && chain.length - 1 > c.MaxPathLen) return false;
  return true;
}

/** CertPool.findPotentialParents over a list of certificates (duplicates already dropped). */
function potentialParents(pool: readonly Certificate[], cert: Certificate): Certificate[] {
  const matching: Certificate[] = [];
  const one: Certificate[] = [];
  const mismatch: Certificate[] = [];
  for (const candidate of pool) {
    if (!same(candidate.RawSubject, cert.RawIssuer)) continue;
    const skid = candidate.SubjectKeyId?.length ?? 0;
    const akid = cert.AuthorityKeyId?.length ?? 0;
    if (same(candidate.SubjectKeyId, cert.AuthorityKeyId)) matching.push(candidate);
    else if ((skid === 0 && akid > 0) || (skid > 0 && akid === 0)) one.push(candidate);
    else mismatch.push(candidate);
  }
  return [...matching, ...one, ...mismatch];
}

function sanExtension(c: Certificate): Uint8Array | undefined {
  return c.Extensions?.find((e) => e.Id.join('.') === '2.5.29.17')?.Value;
}

function alreadyInChain(candidate: Certificate, chain: readonly Certificate[]): boolean {
  const candidateSan = sanExtension(candidate);
  for (const cert of chain) {
    if (!same(candidate.RawSubject, cert.RawSubject)) continue;
    if (!same(candidate.RawSubjectPublicKeyInfo, cert.RawSubjectPublicKeyInfo)) continue;
    const certSan = sanExtension(cert);
    if (candidateSan === undefined && certSan === undefined) return true;
    if (candidateSan === undefined || certSan === undefined) return false;
    if (same(candidateSan, certSan)) return true;
  }
  return false;
}

interface Pools {
  readonly roots: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  readonly nowNs: bigint;
  sigChecks: number;
}

function buildChains(c: Certificate, chain: readonly Certificate[], pools: Pools): Certificate[][] {
  const chains: Certificate[][] = [];
  for (const [type, pool] of [
    ['root', pools.roots],
    ['intermediate', pools.intermediates],
  ] as const) {
    for (const candidate of potentialParents(pool, c)) {
      pools.sigChecks++;
      if (pools.sigChecks > MAX_SIGNATURE_CHECKS) return chains;
      if (candidate.PublicKey === null || alreadyInChain(candidate, chain)) continue;
      if (!checkSignatureFrom(c, candidate)) continue;
      if (!isValid(candidate, type, chain, pools.nowNs)) continue;
      if (type === 'root') chains.push([...chain, candidate]);
      else chains.push(...buildChains(candidate, [...chain, candidate], pools));
      if (pools.sigChecks > MAX_SIGNATURE_CHECKS) return chains;
    }
  }
  return chains;
}

function toLowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function validHostname(host: string, isPattern: boolean): boolean {
  const h = isPattern ? host : host.replace(/\.$/, '');
  if (h.length === 0 || h === '*') return false;
  const parts = h.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') continue;
    for (let j = 0; j < part.length; j++) {
      const ch = part[j] ?? '';
      if (/[a-zA-Z0-9_]/.test(ch) || (ch === '-' && j !== 0)) continue;
      return false;
    }
  }
  return true;
}

function parseIp(s: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255) || s.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
    return Uint8Array.from(parts);
  }
  if (!s.includes(':') || s.includes('%')) return undefined;
  try {
    const host = new URL(`http://[${s}]/`).hostname.slice(1, -1);
    const [head = '', tail = ''] = host.split('::');
    const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
    const h = groups(head);
    const t = host.includes('::') ? groups(tail) : [];
    const all = host.includes('::') ? [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
    const out = new Uint8Array(16);
    all.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    return out;
  } catch {
    return undefined;
  }
}

/** net.IP.Equal: a 4-byte address equals its 16-byte IPv4-mapped form. */
function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  return goIpString(a) === goIpString(b);
}

/** VerifyHostname. */
export function verifyHostname(c: Certificate, h: string): boolean {
  const candidateIp = h.length >= 3 && h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  const ip = parseIp(candidateIp);
  if (ip !== undefined) return (c.IPAddresses ?? []).some((candidate) => ipEqual(ip, candidate));
  const name = toLowerAscii(h);
  const validName = validHostname(name, false);
  const hostParts = toLowerAscii(name.replace(/\.$/, '')).split('.');
  for (const match of c.DNSNames ?? []) {
    if (validName && validHostname(match, true)) {
      const pattern = toLowerAscii(match);
      const parts = pattern.split('.');
      if (pattern.length === 0 || parts.length !== hostParts.length) continue;
      if (parts.every((p, i) => (i === 0 && p === '*') || p === hostParts[i])) return true;
    } else if (match !== '' && match !== '.' && name !== '' && name !== '.' && toLowerAscii(match) === name) {
      return true;
    }
  }
  return false;
}

function checkChainForKeyUsage(chain: readonly Certificate[], keyUsages: readonly number[]): boolean {
  const usages = [...keyUsages];
  let remaining = usages.length;
  for (let i = chain.length - 1; i >= 0; i--) {
    const cert = chain[i];
    if (cert === undefined || (cert.ExtKeyUsage === null && cert.UnknownExtKeyUsage === null)) continue;
    if ((cert.ExtKeyUsage ?? []).includes(EKU_ANY)) continue;
    for (let k = 0; k < usages.length; k++) {
      const requested = usages[k] ?? -1;
      if (requested === -1) continue;
      if ((cert.ExtKeyUsage ?? []).includes(requested)) continue;
      usages[k] = -1;
      remaining--;
      if (remaining === 0) return false;
    }
  }
  return true;
}

function hasPolicyConstraints(c: Certificate): boolean {
  return (
    c.RequireExplicitPolicy > 0 ||
    c.RequireExplicitPolicyZero ||
    c.InhibitPolicyMapping > 0 ||
    c.InhibitPolicyMappingZero ||
    c.InhibitAnyPolicy > 0 ||
    c.InhibitAnyPolicyZero ||
    c.PolicyMappings !== null
  );
}

function hasNameConstraints(c: Certificate): boolean {
  return (c.Extensions ?? []).some((e) => e.Id.join('.') === '2.5.29.30');
}

/** verifyX509CertificateChain: the first verified chain (leaf first), or undefined. */
export function verifyChain(certs: readonly Certificate[], options: VerifyOptions): Certificate[] | undefined {
  if (certs.length < 2) return undefined;
  const [root] = certs;
  const leaf = certs[certs.length - 1];
  if (root === undefined || leaf === undefined) return undefined;
  const intermediates: Certificate[] = [];
  for (const c of certs.slice(1, -1)) if (!intermediates.some((i) => same(i.Raw, c.Raw))) intermediates.push(c);
  const nowNs = options.currentTimeNs ?? BigInt(Date.now()) * 1_000_000n;
  if (!isValid(leaf, 'leaf', [], nowNs)) return undefined;
  if (options.dnsName.length > 0 && !verifyHostname(leaf, options.dnsName)) return undefined;
  const candidates = same(root.Raw, leaf.Raw)
    ? [[leaf]]
    : buildChains(leaf, [leaf], { roots: [root], intermediates, nowNs, sigChecks: 0 });
  const any = options.keyUsages.includes(EKU_ANY);
  const keyUsages = options.keyUsages.length === 0 ? [EKU_SERVER_AUTH] : options.keyUsages;
  for (const chain of candidates) {
    if (chain.length > 1 && chain.some(hasPolicyConstraints))
      throw new UnsupportedChainError('certificate policy constraints and mappings are not supported');
    if (!any && !checkChainForKeyUsage(chain, keyUsages)) continue;
    if (chain.some(hasNameConstraints)) throw new UnsupportedChainError('name constraints are not supported');
    return chain;
  }
  return undefined;
}
