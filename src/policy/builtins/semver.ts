/**
 * semver.is_valid and semver.compare as OPA 1.22 evaluates them: the semver.org 2.0 grammar
 * (no leading zeros in numbers, [0-9A-Za-z-] identifiers) with an optional leading "v" and
 * int64 major/minor/patch; precedence per semver.org item 11. Pre-release numbers compare
 * exactly at any size (OPA hangs when two differing ones both exceed int64).
 */
import { OperandError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import type { BuiltinValue } from './json-numbers.ts';
import { INT64_MAX, stringOperand } from './operands.ts';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  preRelease: string;
}

const IDENTIFIER = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const SEMVER = new RegExp(
  `^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${IDENTIFIER}(?:\\.${IDENTIFIER})*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`,
);

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Parses a version string; undefined when OPA would reject it. */
function parseVersion(text: string): Version | undefined {
  const m = SEMVER.exec(text);
  if (m === null) return undefined;
  const [major, minor, patch] = [m[1], m[2], m[3]].map((part) => BigInt(part ?? '0'));
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  if (major > INT64_MAX || minor > INT64_MAX || patch > INT64_MAX) return undefined;
  return { major, minor, patch, preRelease: m[4] ?? '' };
}

const isAllDecimals = (s: string): boolean => /^\d+$/.test(s);
const sign = (a: bigint, b: bigint): number => (a > b ? 1 : a < b ? -1 : 0);

function compareVersions(v: Version, o: Version): number {
  const core = sign(v.major, o.major) || sign(v.minor, o.minor) || sign(v.patch, o.patch);
  if (core !== 0) return core;
  if (v.preRelease === o.preRelease) return 0;
  if (v.preRelease === '') return 1;
  if (o.preRelease === '') return -1;
  let [a, afterA] = cut(v.preRelease, '.');
  let [b, afterB] = cut(o.preRelease, '.');
  for (;;) {
    if (a === '' && b !== '') return -1;
    if (a !== '' && b === '') return 1;
    const aNum = isAllDecimals(a);
    const bNum = isAllDecimals(b);
    if (aNum && !bNum) return -1;
    if (!aNum && bNum) return 1;
    const c = aNum && bNum ? sign(BigInt(a), BigInt(b)) : a > b ? 1 : a < b ? -1 : 0;
    if (c !== 0) return c;
    if (afterA !== '' && afterB === '') return 1;
    if (afterA === '' && afterB !== '') return -1;
    [a, afterA] = cut(afterA, '.');
    [b, afterB] = cut(afterB, '.');
  }
}

function isValid(_context: BuiltinContext, value: unknown): BuiltinValue {
  return typeof value === 'string' && parseVersion(value) !== undefined;
}

function compare(_context: BuiltinContext, first: unknown, second: unknown): BuiltinValue {
  const a = stringOperand(first, 1);
  const b = stringOperand(second, 2);
  const va = parseVersion(a);
  if (va === undefined) throw new OperandError(`operand 1: string ${a} is not a valid SemVer`);
  const vb = parseVersion(b);
  if (vb === undefined) throw new OperandError(`operand 2: string ${b} is not a valid SemVer`);
  return compareVersions(va, vb);
}

/** The semver.* builtins, by OPA name. */
export const SEMVER_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'semver.is_valid': { impl: isValid, arity: 1 },
  'semver.compare': { impl: compare, arity: 2 },
};
