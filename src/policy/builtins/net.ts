/**
 * net.cidr_is_valid, net.cidr_expand, net.cidr_merge and net.cidr_contains_matches as OPA
 * implements them (topdown/cidr.go, Go's net.ParseCIDR and ParseIP): addresses checked with
 * node:net, parsed and printed (RFC 5952) by ipaddr.js. IPv4 lives in the IPv4-mapped part of the
 * 128-bit space, as OPA's merge does. expand, merge and contains_matches return sets, as OPA's do
 * (regoResult); contains_matches takes typed Rego values (regoArguments), since OPA answers a set's
 * matches by element and an array's by index.
 */
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { OperandError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { stringOperand } from './operands.ts';
import { RegoNumber, RegoObject, RegoSet, isRegoArray, type RegoValue } from './rego-value.ts';

/** A network: its first and last address in the 128-bit space, and its printed form. */
interface Network {
  readonly v4: boolean;
  readonly first: bigint;
  readonly last: bigint;
  readonly bits: number;
  readonly text: string;
}

const V4_MAPPED = 0xffffn << 32n;
/** The most addresses net.cidr_expand lists; OPA has no bound but its evaluation deadline. */
const MAX_EXPAND = 65_536n;

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** Go's net.ParseIP: dotted decimal without leading zeros, or IPv6 without a zone. */
export function parseIp(text: string): { v4: boolean; value: bigint } | undefined {
  if (isIPv4(text)) return { v4: true, value: toBigInt(ipaddr.IPv4.parse(text).toByteArray()) };
  if (isIPv6(text) && !text.includes('%')) {
    const value = toBigInt(ipaddr.IPv6.parse(text).toByteArray());
    return { v4: false, value };
  }
  return undefined;
}

function format(value: bigint, v4: boolean): string {
  const bytes: number[] = [];
  for (let i = v4 ? 3 : 15; i >= 0; i--) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return v4
    ? ipaddr.fromByteArray(bytes).toString()
    : ipaddr.IPv6.parse(ipaddr.fromByteArray(bytes).toString()).toRFC5952String();
}

/** Go's net.ParseCIDR; undefined when it fails. */
function parseCidr(text: string): Network | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (ip === undefined || !/^\d+$/.test(prefix)) return undefined;
  const width = ip.v4 ? 32 : 128;
  const ones = Number(prefix);
  if (ones > width) return undefined;
  const host = (1n << BigInt(width - ones)) - 1n;
  const first = ip.value & ~host;
  const offset = ip.v4 ? V4_MAPPED : 0n;
  return {
    v4: ip.v4,
    first: first + offset,
    last: (first | host) + offset,
    bits: ones,
    text: `${format(first, ip.v4)}/${ones}`,
  };
}

function cidrOperand(value: unknown, position: number): Network {
  const text = stringOperand(value, position);
  const network = parseCidr(text);
  if (network === undefined) throw new OperandError(`invalid CIDR address: ${text}`);
  return network;
}

function isValid(_context: BuiltinContext, value: unknown): BuiltinValue {
  return typeof value === 'string' && parseCidr(value) !== undefined;
}

function expand(_context: BuiltinContext, value: unknown): RegoSet {
  const network = cidrOperand(value, 1);
  if (network.last - network.first >= MAX_EXPAND)
    throw new OperandError(`regent lists at most ${MAX_EXPAND} addresses of a CIDR`);
  const offset = network.v4 ? V4_MAPPED : 0n;
  const out: string[] = [];
  for (let a = network.first; a <= network.last; a++) out.push(format(a - offset, network.v4));
  return RegoSet.of(out);
}

/** The classful mask Go's IP.DefaultMask gives a bare IPv4 address in net.cidr_merge. */
function classfulBits(value: bigint): number | undefined {
  const top = Number(value >> 24n);
  return top < 0x80 ? 8 : top < 0xc0 ? 16 : top < 0xe0 ? 24 : undefined;
}

function mergeElement(value: unknown): Network {
  if (typeof value !== 'string') throw new Error('element must be string');
  const ip = parseIp(value);
  if (ip === undefined) {
    const network = parseCidr(value);
    if (network === undefined) throw new Error(`invalid CIDR address: ${value}`);
    return network;
  }
  if (!ip.v4) throw new Error('IPv6 invalid: needs prefix length');
  const bits = classfulBits(ip.value);
  if (bits === undefined) throw new Error(`regent cannot merge ${value}: Go gives it no default mask`);
  const host = (1n << BigInt(32 - bits)) - 1n;
  const first = (ip.value & ~host) + V4_MAPPED;
  return { v4: true, first, last: first + host, bits, text: `${value}/${bits}` };
}

/** The fewest CIDRs covering first..last (both in the 128-bit space). */
function rangeToCidrs(first: bigint, last: bigint): string[] {
  const v4 = first >= V4_MAPPED && last <= V4_MAPPED + 0xffffffffn;
  const width = v4 ? 32 : 128;
  const offset = v4 ? V4_MAPPED : 0n;
  const out: string[] = [];
  let start = first - offset;
  const end = last - offset;
  while (start <= end) {
    let size = 0;
    while (
      size < width &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= end
    )
      size++;
    out.push(`${format(start, v4)}/${width - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}

function merge(_context: BuiltinContext, value: unknown): RegoSet {
  if (!Array.isArray(value)) throw new Error('operand must be an array');
  const ranges = (value as unknown[]).map((v) => ({ ...mergeElement(v), merged: false }));
  ranges.sort((a, b) =>
    a.last !== b.last ? (a.last < b.last ? -1 : 1) : a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
  );
  for (let i = ranges.length - 1; i > 0; i--) {
    const current = ranges[i];
    const previous = ranges[i - 1];
    if (current === undefined || previous === undefined) continue;
    const before = current.first === 0n || current.first === V4_MAPPED ? current.first : current.first - 1n;
    if (before <= previous.last) {
      const first = previous.first < current.first ? previous.first : current.first;
      ranges.splice(i - 1, 2, { ...current, first, merged: true });
    }
  }
  const out = ranges.flatMap((r) => (r.merged ? rangeToCidrs(r.first, r.last) : [r.text]));
  return RegoSet.of(out);
}

function contains(a: Network, b: unknown): boolean {
  const text = stringOperand(b, 1);
  const ip = parseIp(text);
  if (ip !== undefined) {
    const value = ip.v4 ? ip.value + V4_MAPPED : ip.value;
    return value >= a.first && value <= a.last;
  }
  const network = parseCidr(text);
  if (network === undefined)
    throw new OperandError(`not a valid textual representation of an IP address or CIDR: ${text}`);
  return network.first >= a.first && network.last <= a.last && (a.v4 === network.v4 || !a.v4);
}

/**
 * OPA's evalNetCIDRContainsMatchesOperand: each CIDR or address of an operand with its index (an
 * array's position, a set's element, an object's key), lazily, so errors come in OPA's order.
 */
function* matchOperand(value: RegoValue, position: number): Generator<[unknown, RegoValue]> {
  const element = (v: RegoValue): unknown => {
    if (typeof v === 'string') return v;
    if (isRegoArray(v) && v.length > 0) return v[0];
    throw new OperandError(`operand ${position}: element must be string or non-empty array`);
  };
  if (typeof value === 'string') yield [value, value];
  else if (isRegoArray(value)) for (const [i, v] of value.entries()) yield [element(v), new RegoNumber(String(i))];
  else if (value instanceof RegoSet) for (const v of value.elements) yield [element(v), v];
  else if (value instanceof RegoObject) for (const [k, v] of value.entries) yield [element(v), k];
}

function containsMatches(_context: BuiltinContext, cidrs: unknown, addresses: unknown): RegoSet {
  const out: RegoValue[] = [];
  for (const [cidr, i] of matchOperand(cidrs as RegoValue, 1)) {
    for (const [address, j] of matchOperand(addresses as RegoValue, 2)) {
      if (contains(cidrOperand(cidr, 1), address)) out.push([i, j]);
    }
  }
  return RegoSet.of(out);
}

/** The net.cidr_* builtins the wasm lacks, by OPA name. */
export const NET_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'net.cidr_is_valid': { impl: isValid, arity: 1 },
  'net.cidr_expand': { impl: expand, arity: 1, regoResult: true },
  'net.cidr_merge': { impl: merge, arity: 1, regoResult: true },
  'net.cidr_contains_matches': { impl: containsMatches, arity: 2, regoArguments: true, regoResult: true },
};
