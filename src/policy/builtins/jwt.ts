/**
 * io.jwt.*: decoding, verification and signing of JWS compact tokens with OPA's semantics
 * (topdown/tokens.go): the same order of checks, the same error texts, the same claim rules in
 * decode_verify (exp and nbf against time.now_ns or the `time` constraint, aud required to match
 * when present). Signatures run on node:crypto through jwt-keys.ts; segments decode with jose's
 * base64url behind OPA's padding rules (go-encoding.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base64url } from 'jose';
import { operandTypeError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { goBase64UrlDecode, goJsonMarshal } from './go-encoding.ts';
import type { BuiltinValue } from './json-numbers.ts';
import {
  TOKEN_ALGORITHMS,
  parseJwkSet,
  parseVerificationKeys,
  signInput,
  signingKey,
  verifySignature,
  type VerificationKey,
} from './jwt-keys.ts';
import { stringOperand } from './operands.ts';

type JsonObject = Record<string, unknown>;

interface Token {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

const utf8 = new TextDecoder();

function splitToken(value: unknown): Token {
  const text = stringOperand(value, 1);
  if (!text.includes('.')) throw new Error('encoded JWT had no period separators');
  const parts = text.split('.');
  if (parts.length !== 3) throw new Error(`encoded JWT must have 3 sections, found ${parts.length}`);
  const [header = '', payload = '', signature = ''] = parts;
  return { header, payload, signature };
}

function segmentText(segment: string, what: string): string {
  try {
    return utf8.decode(goBase64UrlDecode(segment));
  } catch (err) {
    throw new Error(`JWT ${what} had invalid encoding: ${(err as Error).message}`, { cause: err });
  }
}

function jsonObject(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error('decoded JSON type was not an Object');
  return value as JsonObject;
}

function decodeHeader(token: Token): JsonObject {
  let header: JsonObject;
  try {
    header = jsonObject(segmentText(token.header, 'header'));
  } catch (err) {
    const message = (err as Error).message;
    throw message.startsWith('JWT header') ? err : new Error(`bad JWT header: ${message}`, { cause: err });
  }
  if ('enc' in header) throw new Error('JWT is a JWE object, which is not supported');
  return header;
}

function decodeSignature(token: Token): Uint8Array {
  return goBase64UrlDecode(token.signature);
}

interface TokenHeader {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string>;
  unknown: string[];
}

/** The header fields OPA reads, with its type errors (`alg: must be a string`, crit rules). */
function parseTokenHeader(header: JsonObject): TokenHeader {
  const parsed: TokenHeader = { alg: '', kid: '', cty: '', crit: new Set(), unknown: [] };
  for (const [name, value] of Object.entries(header)) {
    if (name === 'alg' || name === 'kid' || name === 'typ' || name === 'cty') {
      if (typeof value !== 'string') throw new Error(`${name}: must be a string`);
      if (name !== 'typ') parsed[name] = value;
    } else if (name === 'crit') {
      if (!Array.isArray(value)) throw new Error('crit: must be a list');
      for (const v of value as unknown[]) if (typeof v === 'string') parsed.crit.add(v);
      if (parsed.crit.size === 0) throw new Error('crit: must be a nonempty list');
    } else {
      parsed.unknown.push(name);
    }
  }
  return parsed;
}

function validHeader(header: TokenHeader): boolean {
  return header.alg !== '' && !header.unknown.some((u) => header.crit.has(u));
}

function decode(_context: BuiltinContext, jwt: unknown): BuiltinValue {
  const token = splitToken(jwt);
  const header = decodeHeader(token);
  let payloadText = segmentText(token.payload, 'payload');
  if (header['cty'] === 'JWT') {
    payloadText = payloadText.replace(/^["']+|["']+$/g, '');
    return decode(_context, payloadText);
  }
  const payload = jsonObject(payloadText);
  let signature: Uint8Array;
  try {
    signature = goBase64UrlDecode(token.signature);
  } catch (err) {
    throw new Error(`JWT signature had invalid encoding: ${(err as Error).message}`, { cause: err });
  }
  return [header, payload, Buffer.from(signature).toString('hex')] as BuiltinValue;
}

/** Picks the key(s) to try as OPA does: the one whose kid matches, else every key whose alg fits. */
function verifyWithKeys(
  keys: readonly VerificationKey[],
  header: TokenHeader,
  verifyOne: (key: VerificationKey) => boolean,
): boolean {
  if (header.kid !== '') {
    const byKid = keys.find((k) => k.kid === header.kid);
    if (byKid !== undefined) return verifyOne(byKid);
  }
  return keys.some((key) => (key.alg === '' || key.alg === header.alg) && verifyOne(key));
}

/** io.jwt.verify_<alg>(jwt, certificate or JWK(S)) for an asymmetric algorithm. */
function verifyAsymmetric(alg: string): BuiltinDefinition {
  return {
    arity: 2,
    impl: (_context: BuiltinContext, jwt: unknown, keyText: unknown): BuiltinValue => {
      const token = splitToken(jwt);
      const keys = parseVerificationKeys(stringOperand(keyText, 2));
      const signature = decodeSignature(token);
      const header = parseTokenHeader(decodeHeader(token));
      const input = `${token.header}.${token.payload}`;
      return verifyWithKeys(keys, header, (key) => verifySignature(key.key, alg, input, signature));
    },
  };
}

/** io.jwt.verify_hs<bits>(jwt, secret): HMAC over the first two segments. */
function verifyHmac(hash: string): BuiltinDefinition {
  return {
    arity: 2,
    impl: (_context: BuiltinContext, jwt: unknown, secret: unknown): BuiltinValue => {
      stringOperand(jwt, 1);
      const key = stringOperand(secret, 2);
      const token = splitToken(jwt);
      const mac = createHmac(hash, Buffer.from(key, 'utf8')).update(`${token.header}.${token.payload}`).digest();
      const signature = decodeSignature(token);
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    },
  };
}

interface Constraints {
  keys: VerificationKey[] | undefined;
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

function parseConstraints(context: BuiltinContext, value: unknown): Constraints {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) operandTypeError(2, value, 'object');
  const c: Constraints = { keys: undefined, secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [name, v] of Object.entries(value as JsonObject)) {
    if (name === 'cert') {
      if (typeof v !== 'string') throw new Error('cert constraint: must be a string');
      c.keys = parseVerificationKeys(v);
    } else if (name === 'secret' || name === 'alg' || name === 'iss' || name === 'aud') {
      if (typeof v !== 'string') throw new Error(`${name} constraint: must be a string`);
      c[name] = v;
    } else if (name === 'time') {
      c.time = timeConstraint(v);
    } else {
      throw new Error(`unknown token validation constraint: ${name}`);
    }
  }
  if (c.time === -1) c.time = Number(context.nowNs());
  const keySources = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (keySources > 1) throw new Error('duplicate key constraints');
  if (keySources < 1) throw new Error('no key constraint');
  return c;
}

function timeConstraint(value: unknown): number {
  if (typeof value !== 'number' && typeof value !== 'bigint')
    throw new Error('token time constraint: must be a number');
  const t = Number(value);
  if (t < 0) throw new Error('token time constraint: must not be negative');
  return t;
}

function validAudience(aud: unknown, wanted: string): boolean {
  if (typeof aud === 'string') return aud === wanted;
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && a === wanted);
}

const UNVERIFIED: BuiltinValue = [false, {}, {}];

function decodeVerify(context: BuiltinContext, jwt: unknown, constraintsValue: unknown): BuiltinValue {
  const constraints = parseConstraints(context, constraintsValue);
  let current: unknown = jwt;
  let header: JsonObject;
  let payloadText: string;
  for (;;) {
    const token = splitToken(current);
    header = decodeHeader(token);
    const parsed = parseTokenHeader(header);
    if (!validHeader(parsed)) return UNVERIFIED;
    if (constraints.alg !== '' && constraints.alg !== parsed.alg) return UNVERIFIED;
    const signature = decodeSignature(token);
    const input = `${token.header}.${token.payload}`;
    const verified =
      constraints.keys !== undefined
        ? verifyWithKeys(constraints.keys, parsed, (key) => verifySignature(key.key, parsed.alg, input, signature))
        : verifySignature(secretKeyOf(constraints.secret), parsed.alg, input, signature);
    if (!verified) return UNVERIFIED;
    payloadText = segmentText(token.payload, 'payload');
    if (parsed.cty.toUpperCase() !== 'JWT') break;
    current = payloadText;
  }
  const payload = jsonObject(payloadText);
  if (constraints.iss !== '' && payload['iss'] !== constraints.iss) return UNVERIFIED;
  if ('aud' in payload ? !validAudience(payload['aud'], constraints.aud) : constraints.aud !== '') return UNVERIFIED;
  const nowSeconds = constraints.time / 1e9;
  if ('exp' in payload) {
    if (typeof payload['exp'] !== 'number') throw new Error('exp value must be a number');
    if (nowSeconds >= payload['exp']) return UNVERIFIED;
  }
  if ('nbf' in payload) {
    if (typeof payload['nbf'] !== 'number') throw new Error('nbf value must be a number');
    if (nowSeconds < payload['nbf']) return UNVERIFIED;
  }
  return [true, header, payload] as BuiltinValue;
}

function secretKeyOf(secret: string): ReturnType<typeof signingKey> {
  return signingKey({ kty: 'oct', k: base64url.encode(Buffer.from(secret, 'utf8')) });
}

const FASTJSON_NUMBER = /^(?:[0-9.eE+-]+|[+-]?(?:inf|nan))$/i;

/** The `alg` of a header text as jwx's header parser reads it, with its error texts. */
function headerAlg(headerText: string): string {
  let header: unknown;
  try {
    const trimmed = headerText.trim();
    if (trimmed === '') throw new Error('cannot parse empty string');
    // fastjson, which jwx parses headers with, reads any run of digits, signs, dots and e as a number.
    header = FASTJSON_NUMBER.test(trimmed) ? 0 : JSON.parse(headerText);
  } catch (err) {
    throw new Error(`missing or invalid 'alg' header: cannot parse JSON: ${(err as Error).message}`, { cause: err });
  }
  const alg = header !== null && typeof header === 'object' ? (header as JsonObject)['alg'] : undefined;
  if (alg === undefined) throw new Error(`missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  if (typeof alg !== 'string') throw new Error(`missing or invalid 'alg' header: value doesn't contain string`);
  return alg;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function encodeSignCommon(headerText: string, payloadText: string, jwkText: string): BuiltinValue {
  const keys = parseJwkSet(jwkText);
  const jwk = keys[0];
  if (jwk === undefined) throw new Error('no keys found in JWK set');
  const alg = headerAlg(headerText);
  if (!TOKEN_ALGORITHMS.has(alg)) throw new Error(`unknown JWS algorithm: ${alg}`);
  const header = JSON.parse(headerText) as JsonObject;
  const typ = header['typ'];
  if ((typeof typ !== 'string' || typ === 'JWT') && !isJson(payloadText))
    throw new Error('type is JWT but payload is not JSON');
  const input = `${base64url.encode(headerText)}.${base64url.encode(payloadText)}`;
  return `${input}.${base64url.encode(signInput(signingKey(jwk), alg, input))}`;
}

function encodeSign(_context: BuiltinContext, header: unknown, payload: unknown, key: unknown): BuiltinValue {
  return encodeSignCommon(goJsonMarshal(header), goJsonMarshal(payload), goJsonMarshal(key));
}

function encodeSignRaw(_context: BuiltinContext, header: unknown, payload: unknown, key: unknown): BuiltinValue {
  const jwk = stringOperand(key, 3);
  return encodeSignCommon(stringOperand(header, 1), stringOperand(payload, 2), jwk);
}

/** The io.jwt.* builtins, by OPA name. */
export const JWT_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'io.jwt.decode': { impl: decode, arity: 1 },
  'io.jwt.decode_verify': { impl: decodeVerify, arity: 2 },
  'io.jwt.encode_sign': { impl: encodeSign, arity: 3 },
  'io.jwt.encode_sign_raw': { impl: encodeSignRaw, arity: 3 },
  'io.jwt.verify_rs256': verifyAsymmetric('RS256'),
  'io.jwt.verify_rs384': verifyAsymmetric('RS384'),
  'io.jwt.verify_rs512': verifyAsymmetric('RS512'),
  'io.jwt.verify_ps256': verifyAsymmetric('PS256'),
  'io.jwt.verify_ps384': verifyAsymmetric('PS384'),
  'io.jwt.verify_ps512': verifyAsymmetric('PS512'),
  'io.jwt.verify_es256': verifyAsymmetric('ES256'),
  'io.jwt.verify_es384': verifyAsymmetric('ES384'),
  'io.jwt.verify_es512': verifyAsymmetric('ES512'),
  'io.jwt.verify_eddsa': verifyAsymmetric('EdDSA'),
  'io.jwt.verify_hs256': verifyHmac('sha256'),
  'io.jwt.verify_hs384': verifyHmac('sha384'),
  'io.jwt.verify_hs512': verifyHmac('sha512'),
};
