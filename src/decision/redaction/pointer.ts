/**
 * JSON pointers (RFC 6901) rooted at the payload, with one extension: a segment that is exactly
 * `*` matches every key of an object or every index of an array. A literal `*` key cannot be
 * named alone, but the wildcard covers it, and over-redaction is the safe direction.
 */
import { RedactionPathError } from './errors.ts';

/** The segment value that stands for "every key or index". */
export const WILDCARD: unique symbol = Symbol('wildcard');

/** A parsed redaction path: unescaped segments below the root, `WILDCARD` where `*` stood. */
export type PathPattern = readonly (string | typeof WILDCARD)[];

/** The root every redaction and finding path starts with. */
export const PAYLOAD_ROOT = '/payload';

/** Longest pointer accepted; bounds parsing work and the depth a pattern can reach. */
export const MAX_POINTER_LENGTH = 4096;

/** Parses a redaction path; throws {@link RedactionPathError} unless it is a pointer under `root`. */
export function parsePathPattern(path: unknown, root: string = PAYLOAD_ROOT): PathPattern {
  if (typeof path !== 'string') throw new RedactionPathError(String(path), 'not a string');
  if (path.length > MAX_POINTER_LENGTH)
    throw new RedactionPathError(path.slice(0, 64), `longer than ${MAX_POINTER_LENGTH} characters`);
  if (!path.startsWith(root) || (path.length > root.length && path[root.length] !== '/')) {
    throw new RedactionPathError(path, `must start with ${root}`);
  }
  if (path.length === root.length) return [];
  const raw = path.slice(root.length + 1).split('/');
  return raw.map((segment) => (segment === '*' ? WILDCARD : unescapeSegment(segment, path)));
}

/** Parses a concrete pointer (no wildcard), as detector findings carry. */
export function parseConcretePath(path: unknown, root: string = PAYLOAD_ROOT): readonly string[] {
  const pattern = parsePathPattern(path, root);
  // A finding path names one value; `*` there is an ordinary key (findings escape nothing else).
  return pattern.map((s) => (s === WILDCARD ? '*' : s));
}

/** Escapes one key or index for a pointer (`~` -> `~0`, `/` -> `~1`). */
export function escapeSegment(segment: string | number): string {
  if (typeof segment === 'number') return String(segment);
  // Most keys need no escaping; scanning a payload escapes every key it walks.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Builds a concrete pointer from segments below `root`. */
export function formatPointer(segments: readonly (string | number)[], root: string = PAYLOAD_ROOT): string {
  let out = root;
  for (const s of segments) out += '/' + escapeSegment(s);
  return out;
}

function unescapeSegment(segment: string, path: string): string {
  // RFC 6901: `~` must be followed by 0 or 1; decode ~1 before ~0 so `~01` means `~1` literally.
  for (let i = segment.indexOf('~'); i !== -1; i = segment.indexOf('~', i + 1)) {
    const next = segment[i + 1];
    if (next !== '0' && next !== '1') throw new RedactionPathError(path, 'a "~" must be followed by 0 or 1');
  }
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
