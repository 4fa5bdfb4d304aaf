/**
 * Digests and HMACs over the UTF-8 bytes of Rego strings, hex-encoded, as OPA's
 * topdown/crypto.go computes them; crypto.hmac.equal compares in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';

function digest(algorithm: string): BuiltinDefinition {
  return {
    arity: 1,
    impl: (_context: BuiltinContext, value: unknown): BuiltinValue =>
      createHash(algorithm).update(stringOperand(value, 1), 'utf8').digest('hex'),
  };
}

function hmac(algorithm: string): BuiltinDefinition {
  return {
    arity: 2,
    impl: (_context: BuiltinContext, message: unknown, key: unknown): BuiltinValue => {
      const text = stringOperand(message, 1);
      return createHmac(algorithm, Buffer.from(stringOperand(key, 2), 'utf8'))
        .update(text, 'utf8')
        .digest('hex');
    },
  };
}

function hmacEqual(_context: BuiltinContext, first: unknown, second: unknown): BuiltinValue {
  const a = Buffer.from(stringOperand(first, 1), 'utf8');
  const b = Buffer.from(stringOperand(second, 2), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The crypto.* digest and HMAC builtins, by OPA name. */
export const CRYPTO_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': { impl: hmacEqual, arity: 2 },
};
