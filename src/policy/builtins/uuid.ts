/**
 * uuid.rfc4122 (a random version-4 UUID, the same one for the same key within an evaluation,
 * as OPA caches it) and uuid.parse (google/uuid's accepted forms and the fields OPA reports).
 */
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function rfc4122(context: BuiltinContext, key: unknown): BuiltinValue {
  const cacheKey = `uuid.rfc4122:${JSON.stringify(key)}`;
  const cached = context.cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const b = context.randomBytes(16);
  b[8] = ((b[8] ?? 0) & ~0xc0) | 0x80;
  b[6] = ((b[6] ?? 0) & ~0xf0) | 0x40;
  const id = [
    hex(b.subarray(0, 4)),
    hex(b.subarray(4, 6)),
    hex(b.subarray(6, 8)),
    hex(b.subarray(8, 10)),
    hex(b.subarray(10)),
  ].join('-');
  context.cache.set(cacheKey, id);
  return id;
}

const HEX_PAIR_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

function hexByte(s: Uint8Array, at: number): number | undefined {
  const text = String.fromCharCode(s[at] ?? 0, s[at + 1] ?? 0);
  return /^[0-9a-fA-F]{2}$/.test(text) ? parseInt(text, 16) : undefined;
}

/** google/uuid's `Parse` over the string's UTF-8 bytes; undefined when it would fail. */
function parseBytes(text: string): Uint8Array | undefined {
  let s = Buffer.from(text, 'utf8');
  const out = new Uint8Array(16);
  switch (s.length) {
    case 36:
      break;
    case 45:
      if (s.subarray(0, 9).toString('latin1').toLowerCase() !== 'urn:uuid:') return undefined;
      s = s.subarray(9);
      break;
    case 38:
      // google/uuid skips the first byte and never looks at the last one.
      s = s.subarray(1);
      break;
    case 32:
      for (let i = 0; i < 16; i++) {
        const byte = hexByte(s, i * 2);
        if (byte === undefined) return undefined;
        out[i] = byte;
      }
      return out;
    default:
      return undefined;
  }
  if (s[8] !== 0x2d || s[13] !== 0x2d || s[18] !== 0x2d || s[23] !== 0x2d) return undefined;
  for (const [i, at] of HEX_PAIR_OFFSETS.entries()) {
    const byte = hexByte(s, at);
    if (byte === undefined) return undefined;
    out[i] = byte;
  }
  return out;
}

function variantName(byte8: number): string {
  if ((byte8 & 0xc0) === 0x80) return 'RFC4122';
  if ((byte8 & 0xe0) === 0xc0) return 'Microsoft';
  if ((byte8 & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macKind(byte0: number): string {
  if ((byte0 & 0b11) === 0b11) return 'local:multicast';
  if ((byte0 & 0b01) === 0b01) return 'global:multicast';
  if ((byte0 & 0b10) === 0b10) return 'local:unicast';
  return 'global:unicast';
}

const GREGORIAN_TO_UNIX_100NS = 122_192_928_000_000_000n;

/** A v1/v2 UUID's timestamp in Unix nanoseconds, with Go's int64 wrap-around. */
function unixNanos(u: Uint8Array): bigint {
  const view = new DataView(u.buffer, u.byteOffset, 16);
  const ticks =
    BigInt(view.getUint32(0)) | (BigInt(view.getUint16(4)) << 32n) | (BigInt(view.getUint16(6) & 0xfff) << 48n);
  const since = ticks - GREGORIAN_TO_UNIX_100NS;
  const seconds = since / 10_000_000n;
  const nanos = (since % 10_000_000n) * 100n;
  return BigInt.asIntN(64, BigInt.asIntN(64, seconds * 1_000_000_000n) + nanos);
}

function parse(_context: BuiltinContext, value: unknown): BuiltinValue | undefined {
  const u = parseBytes(stringOperand(value, 1));
  if (u === undefined) return undefined;
  const version = (u[6] ?? 0) >> 4;
  const out: Record<string, BuiltinValue> = { version, variant: variantName(u[8] ?? 0) };
  if (version === 1 || version === 2) {
    const view = new DataView(u.buffer, u.byteOffset, 16);
    out['time'] = integerResult(unixNanos(u));
    out['nodeid'] = [...u.subarray(10, 16)].map((b) => b.toString(16).padStart(2, '0')).join('-');
    out['macvariables'] = macKind(u[10] ?? 0);
    out['clocksequence'] = view.getUint16(8) & 0x3fff;
    if (version === 2) {
      out['id'] = view.getUint32(0);
      const domain = u[9] ?? 0;
      out['domain'] = ['Person', 'Group', 'Org'][domain] ?? `Domain${domain}`;
    }
  }
  return out;
}

/** The uuid.* builtins, by OPA name. */
export const UUID_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'uuid.rfc4122': { impl: rfc4122, arity: 1 },
  'uuid.parse': { impl: parse, arity: 1 },
};
