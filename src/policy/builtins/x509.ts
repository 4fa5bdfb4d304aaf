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
import { certificateJson, extendedCertificateJson } from './x509-json.ts';
import { parseCertificates } from './x509-parse.ts';
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

/** The crypto.x509 certificate builtins, by OPA name. */
export const X509_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'crypto.x509.parse_certificates': { impl: parseCertificatesBuiltin, arity: 1 },
  'crypto.x509.parse_and_verify_certificates': { impl: parseAndVerify, arity: 1 },
  'crypto.x509.parse_and_verify_certificates_with_options': {
    impl: parseAndVerifyWithOptions,
    arity: 2,
    exactIntegers: true,
  },
};
