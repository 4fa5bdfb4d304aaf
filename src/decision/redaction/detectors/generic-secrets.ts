/**
 * Credentials without a vendor prefix: `Bearer` tokens, and values assigned to a name that says
 * "secret" (`api_key=...`, `"password": "..."`, `X-Auth-Token: ...`). The name alone is weak
 * evidence, so the value must also look random (entropy, mixed characters) and not be one of the
 * placeholders docs are full of. Only the value is reported, so masking keeps the name readable.
 */
import { scanCandidates } from './scan-regex.ts';
import { characterClasses, looksLikePlaceholder, shannonEntropy } from './text-stats.ts';
import type { Detector, Span } from './types.ts';

const BEARER = /(?<![A-Za-z0-9_-])(?:Bearer|bearer|BEARER)[ \t]+([A-Za-z0-9._~+/-]{16,4096}=*)(?![A-Za-z0-9._~+/=-])/dg;

const NAMES = [
  'api[_.-]?key',
  'api[_.-]?token',
  'api[_.-]?secret',
  'app[_.-]?secret',
  'client[_.-]?secret',
  'secret[_.-]?access[_.-]?key',
  'secret[_.-]?key',
  'access[_.-]?key[_.-]?id',
  'access[_.-]?token',
  'refresh[_.-]?token',
  'auth[_.-]?token',
  'session[_.-]?token',
  'private[_.-]?key',
  'signing[_.-]?key',
  'secret',
  'token',
  'password',
  'passwd',
  'pwd',
].join('|');
// name, optional closing quote, `=` `:` `:=` or `=>`, optional opening quote, then the value.
const ASSIGNMENT = new RegExp(
  `(?<![A-Za-z0-9])(?:${NAMES})["']?[ \\t]{0,3}(?::=|=>|=|:)[ \\t]{0,3}["']?([^\\s"'\`<>,;(){}\\[\\]]{8,256})`,
  'dgi',
);

/** Fewest characters and least entropy (bits per character) a value needs to count as a secret. */
const MIN_SECRET_LENGTH = 12;
const MIN_SECRET_ENTROPY = 3;
const MIN_PASSWORD_LENGTH = 8;

function groupSpan(m: RegExpExecArray): Span | undefined {
  const at = m.indices?.[1];
  return at === undefined ? undefined : { start: at[0], end: at[1] };
}

function looksRandom(value: string): boolean {
  return (
    value.length >= MIN_SECRET_LENGTH &&
    characterClasses(value) >= 2 &&
    shannonEntropy(value) >= MIN_SECRET_ENTROPY &&
    !looksLikePlaceholder(value)
  );
}

/** Finds the token after `Bearer`. */
export const bearerTokenDetector: Detector = {
  type: 'bearer_token',
  mayContain: (text) => /bearer/i.test(text),
  find: (text) =>
    scanCandidates(BEARER, text, (m) => {
      const span = groupSpan(m);
      return span !== undefined && looksRandom(m[1] ?? '') ? [span] : [];
    }),
};

/** Finds secret-looking values assigned to secret-sounding names. */
export const secretAssignmentDetector: Detector = {
  type: 'secret_assignment',
  mayContain: (text) => /key|secret|token|passw|pwd/i.test(text),
  find: (text) =>
    scanCandidates(ASSIGNMENT, text, (m) => {
      const span = groupSpan(m);
      const value = m[1] ?? '';
      if (span === undefined || /^https?:/i.test(value)) return [];
      // People choose passwords, so they need not look random; they must not be a placeholder.
      const isPassword = /^(?:password|passwd|pwd)/i.test(m[0]);
      const ok = isPassword ? value.length >= MIN_PASSWORD_LENGTH && !looksLikePlaceholder(value) : looksRandom(value);
      return ok ? [span] : [];
    }),
};
