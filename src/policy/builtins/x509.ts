/**
 * OPA's crypto.x509.* certificate builtins (topdown/crypto.go), on the Go-compatible parser,
 * verifier and JSON view in x509-*.ts: input read as OPA reads it (a PEM string, or base64 of
 * DER or of PEM), results as OPA's json round trip of Go's structs writes them, errors with Go's
 * texts. Inputs beyond {@link MAX_INPUT_BYTES} are refused before any parsing.
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { goBase64StdDecodeString, pemDecode } from './go-pem.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { isNumber, stringOperand, INT64_MAX, INT64_MIN } from './operands.ts';
import { OperandError, operandTypeError } from './builtin-error.ts';
import type { Certificate } from './x509-certificate.ts';
import { parseCertificateRequestJson } from './x509-csr.ts';
import { certificateJson, extendedCertificateJson } from './x509-json.ts';
import { parseCertificates } from './x509-parse.ts';
import {
  parsePrivateKeyAs,
  privateKeyJson,
  privateKeyJwk,
  sameKeyMaterial,
  tlsParsePrivateKey,
  type PrivateKey,
} from './x509-keys.ts';
import { parseCertificate } from './x509-parse.ts';
import { verifyChain, type VerifyOptions } from './x509-verify.ts';

/** The largest input (UTF-8 bytes) the x509 builtins parse; OPA itself has no limit. */
export const MAX_INPUT_BYTES = 1 << 20;

/** The operand as a string, refused past {@link MAX_INPUT_BYTES}. */
export function boundedString(value: unknown, position: number): string {
  const s = stringOperand(value, position);
  if (s.length > MAX_INPUT_BYTES || Buffer.byteLength(s, 'utf8') > MAX_INPUT_BYTES)
    throw new OperandError(`operand ${position} is longer than ${MAX_INPUT_BYTES} bytes`);
  return s;
}

/** getX509CertsFromPem: every CERTIFICATE block's bytes, concatenated, then parsed. */
function certsFromPem(data: Uint8Array): Certificate[] {
  const chunks: Uint8Array[] = [];
  let rest = data;
  while (rest.length > 0) {
    const [block, after] = pemDecode(rest);
    if (block !== undefined && block.type !== 'CERTIFICATE')
      throw new Error(`PEM block type is '${block.type}', expected CERTIFICATE`);
    if (block === undefined) break;
    rest = after;
    chunks.push(block.bytes);
  }
  return parseCertificates(Buffer.concat(chunks));
}

const BEGIN = Buffer.from('-----BEGIN', 'latin1');

/** getX509CertsFromString. */
export function certificatesFromString(text: string): Certificate[] {
  if (text.startsWith('-----BEGIN')) return certsFromPem(Buffer.from(text, 'utf8'));
  const der = goBase64StdDecodeString(text);
  if (Buffer.from(der.subarray(0, BEGIN.length)).equals(BEGIN)) return certsFromPem(der);
  return parseCertificates(der);
}

const KEY_USAGES: Readonly<Record<string, number>> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

/** extractVerifyOpts: the options object, keys in OPA's (sorted) order, with its error texts. */
export function verifyOptions(options: Readonly<Record<string, unknown>>): VerifyOptions {
  let dnsName = '';
  let currentTimeNs: bigint | undefined;
  const keyUsages: number[] = [];
  for (const key of Object.keys(options).sort()) {
    const value = options[key];
    switch (key) {
      case 'DNSName':
        if (typeof value !== 'string') throw new Error("'DNSName' should be a string");
        dnsName = value.replace(/^"+|"+$/g, '');
        break;
      case 'CurrentTime': {
        if (!isNumber(value)) throw new Error("'CurrentTime' should be a number");
        if (typeof value === 'number' && !Number.isInteger(value))
          throw new Error("'CurrentTime' should be a valid int64 number");
        const ns = BigInt(value);
        if (ns < INT64_MIN || ns > INT64_MAX) throw new Error("'CurrentTime' should be a valid int64 number");
        currentTimeNs = ns;
        break;
      }
      case 'MaxConstraintComparisons':
        if (!isNumber(value)) throw new Error("'MaxConstraintComparisons' should be a number");
        if (typeof value === 'number' && !Number.isInteger(value))
          throw new Error("'MaxConstraintComparisons' should be a valid number");
        break;
      case 'KeyUsages': {
        if (!Array.isArray(value)) throw new Error("'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        for (const u of value as unknown[]) {
          if (typeof u !== 'string') continue;
          const name = u.replace(/^"+|"+$/g, '');
          const usage = KEY_USAGES[name];
          if (usage === undefined) invalid.push(name);
          else keyUsages.push(usage);
        }
        if (invalid.length > 0) throw new Error(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        break;
      }
      default:
        throw new Error('invalid key option');
    }
  }
  return { dnsName, currentTimeNs, keyUsages };
}

const NOT_VERIFIED: BuiltinValue = [false, []];

function parseCertificatesBuiltin(_context: BuiltinContext, certs: unknown): BuiltinValue {
  return certificatesFromString(boundedString(certs, 1)).map(extendedCertificateJson);
}

function parseAndVerify(_context: BuiltinContext, certs: unknown): BuiltinValue {
  const text = boundedString(certs, 1);
  let parsed: Certificate[];
  try {
    parsed = certificatesFromString(text);
  } catch {
    return NOT_VERIFIED;
  }
  const chain = verifyChain(parsed, { dnsName: '', currentTimeNs: undefined, keyUsages: [] });
  return chain === undefined ? NOT_VERIFIED : [true, chain.map(extendedCertificateJson)];
}

function parseAndVerifyWithOptions(_context: BuiltinContext, certs: unknown, options: unknown): BuiltinValue {
  const text = boundedString(certs, 1);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) operandTypeError(2, options, 'object');
  let parsed: Certificate[];
  try {
    parsed = certificatesFromString(text);
  } catch {
    return NOT_VERIFIED;
  }
  const chain = verifyChain(parsed, verifyOptions(options as Record<string, unknown>));
  return chain === undefined ? NOT_VERIFIED : [true, chain.map(certificateJson)];
}

/** getPrivateKeysFromPEMData: the RSA, PKCS #8 and EC keys among the PEM blocks (base64 first tried). */
function privateKeysFromPem(text: string): PrivateKey[] {
  let bytes: Uint8Array = Buffer.from(text, 'utf8');
  try {
    bytes = goBase64StdDecodeString(text);
  } catch {
    // not base64: the text itself is the PEM
  }
  const keys: PrivateKey[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const [block, after] = pemDecode(rest);
    if (block === undefined) break;
    rest = after;
    if (block.type === 'RSA PRIVATE KEY') keys.push(parsePrivateKeyAs(block.bytes, 'pkcs1'));
    else if (block.type === 'PRIVATE KEY') keys.push(parsePrivateKeyAs(block.bytes, 'pkcs8'));
    else if (block.type === 'EC PRIVATE KEY') keys.push(parsePrivateKeyAs(block.bytes, 'sec1'));
  }
  return keys;
}

function parseRsaPrivateKey(_context: BuiltinContext, pem: unknown): BuiltinValue {
  let text = boundedString(pem, 1);
  if (text === '') throw new Error('input PEM data was empty');
  if (!text.startsWith('-----BEGIN')) text = Buffer.from(goBase64StdDecodeString(text)).toString('latin1');
  const keys = privateKeysFromPem(text);
  const [first] = keys;
  return first === undefined ? null : privateKeyJwk(first);
}

function parsePrivateKeys(_context: BuiltinContext, pem: unknown): BuiltinValue {
  const text = boundedString(pem, 1);
  if (text === '') return null;
  return privateKeysFromPem(text).map(privateKeyJson);
}

const BEGIN_SPACE = Buffer.from('-----BEGIN ', 'latin1');

function startsWith(bytes: Uint8Array, prefix: Buffer): boolean {
  return Buffer.from(bytes.subarray(0, prefix.length)).equals(prefix);
}

/** The PEM blocks of an operand of parse_keypair; DER (after base64) counts as one block of `type`. */
function keypairBlocks(text: string, type: string): { type: string; bytes: Uint8Array }[] {
  let bytes: Uint8Array = Buffer.from(text, 'utf8');
  if (!startsWith(bytes, BEGIN_SPACE)) bytes = goBase64StdDecodeString(text);
  if (!startsWith(bytes, BEGIN)) return [{ type, bytes }];
  const blocks: { type: string; bytes: Uint8Array }[] = [];
  let rest = bytes;
  for (;;) {
    const [block, after] = pemDecode(rest);
    if (block === undefined) return blocks;
    blocks.push(block);
    rest = after;
  }
}

/** tls.X509KeyPair with OPA's base64/DER handling; the tls.Certificate's JSON. */
function parseKeypair(_context: BuiltinContext, cert: unknown, key: unknown): BuiltinValue {
  const certBlocks = keypairBlocks(boundedString(cert, 1), 'CERTIFICATE');
  const keyBlocks = keypairBlocks(boundedString(key, 1), 'PRIVATE KEY');
  const ders = certBlocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.bytes);
  const [firstDer] = ders;
  if (firstDer === undefined) {
    const skipped = certBlocks.map((b) => b.type);
    if (skipped.length === 0) throw new Error('tls: failed to find any PEM data in certificate input');
    if (skipped.length === 1 && (skipped[0] ?? '').endsWith('PRIVATE KEY'))
      throw new Error(
        'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
      );
    throw new Error(
      `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
    );
  }
  const keyIndex = keyBlocks.findIndex((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  const keyBlock = keyBlocks[keyIndex];
  if (keyBlock === undefined) {
    const skipped = keyBlocks.map((b) => b.type);
    if (skipped.length === 0) throw new Error('tls: failed to find any PEM data in key input');
    if (skipped.length === 1 && skipped[0] === 'CERTIFICATE')
      throw new Error('tls: found a certificate rather than a key in the PEM for the private key');
    throw new Error(
      `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
    );
  }
  const leaf = parseCertificate(firstDer);
  if (leaf.Raw.length !== firstDer.length) throw new Error('x509: trailing data');
  const privateKey = tlsParsePrivateKey(keyBlock.bytes);
  const pub = leaf.PublicKey;
  if (pub === null || pub.kind === 'dsa' || pub.kind === 'x25519') throw new Error('tls: unknown public key algorithm');
  if ((pub.kind === 'rsa') !== (privateKey.kind === 'rsa') || (pub.kind === 'ecdsa') !== (privateKey.kind === 'ecdsa'))
    throw new Error('tls: private key type does not match public key type');
  if (pub.kind === 'ed25519' && privateKey.kind !== 'ed25519')
    throw new Error('tls: private key type does not match public key type');
  if (
    !sameKeyMaterial(privateKey, pub) ||
    (pub.kind === 'ecdsa' && privateKey.kind === 'ecdsa' && pub.curve !== privateKey.curve)
  )
    throw new Error('tls: private key does not match public key');
  return {
    Certificate: ders.map((d) => Buffer.from(d).toString('base64')),
    PrivateKey: privateKeyJson(privateKey),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: certificateJson(leaf),
  };
}

/** builtinCryptoX509ParseCertificateRequest: a PEM string, or base64 of PEM or DER. */
function parseCertificateRequest(_context: BuiltinContext, csr: unknown): BuiltinValue {
  const text = boundedString(csr, 1);
  let bytes: Uint8Array = Buffer.from(text, 'utf8');
  if (!text.startsWith('-----BEGIN CERTIFICATE REQUEST-----')) bytes = goBase64StdDecodeString(text);
  const [block] = pemDecode(bytes);
  if (block !== undefined && block.type !== 'CERTIFICATE REQUEST')
    throw new Error('invalid PEM-encoded certificate signing request');
  return parseCertificateRequestJson(block === undefined ? bytes : block.bytes);
}

/** The crypto.x509 certificate builtins, by OPA name. */
export const X509_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'crypto.x509.parse_certificates': { impl: parseCertificatesBuiltin, arity: 1 },
  'crypto.x509.parse_and_verify_certificates': { impl: parseAndVerify, arity: 1 },
  'crypto.x509.parse_and_verify_certificates_with_options': {
    impl: parseAndVerifyWithOptions,
    arity: 2,
    exactIntegers: true,
  },
  'crypto.x509.parse_certificate_request': { impl: parseCertificateRequest, arity: 1 },
  'crypto.x509.parse_rsa_private_key': { impl: parseRsaPrivateKey, arity: 1 },
  'crypto.x509.parse_keypair': { impl: parseKeypair, arity: 2 },
  'crypto.parse_private_keys': { impl: parsePrivateKeys, arity: 1 },
};
