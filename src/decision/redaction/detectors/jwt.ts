/**
 * JSON Web Tokens: three base64url parts (the third may be empty for `alg: none`) whose first
 * part decodes to a JSON object with an `alg` member. Decoding the header is what separates a
 * token from any other dotted base64 (`a.b.c` identifiers, version strings, hashes).
 */
import { scanCandidates, wholeMatch } from './scan-regex.ts';
import type { Detector } from './types.ts';

// `ey` is how base64 of `{"` (or `{ "`) begins; the parts cannot contain dots, so no ambiguity.
const JWT =
  /(?<![A-Za-z0-9_-])ey[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{2,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/g;

/** True when `part` is base64url of a JSON object that has a string `alg`. */
export function isJwtHeader(part: string): boolean {
  const decoded = Buffer.from(part, 'base64url').toString('utf8');
  // Most non-tokens fail here, before a JSON.parse that throws (throwing is the slow path).
  if (!decoded.trimStart().startsWith('{') || !decoded.includes('"alg"')) return false;
  let header: unknown;
  try {
    header = JSON.parse(decoded);
  } catch {
    return false;
  }
  return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
}

/** Finds JWTs (JWS compact serialisation). */
export const jwtDetector: Detector = {
  type: 'jwt',
  // The shortest match is `ey`, 8 more, a dot, 2, a dot: 14 code units with two dots.
  mayContain: (text) => text.length >= 14 && text.includes('.') && text.includes('ey'),
  find: (text) =>
    scanCandidates(JWT, text, (m) => (isJwtHeader(m[0].slice(0, m[0].indexOf('.'))) ? [wholeMatch(m)] : [])),
};
