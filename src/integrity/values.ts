/**
 * The values that can steer an action (addresses, URLs, account numbers, identifiers, amounts)
 * and the hashes regent remembers them by. The same extraction runs on what an untrusted tool
 * returned and on a consequential action's decisive arguments, so a value the agent copied from
 * untrusted content is recognised when it comes back as a recipient, an IBAN or a link.
 *
 * Only hashes are kept (never the values), truncated to 64 bits: enough to tell the values of one
 * session apart, and nothing a session record could leak.
 */
import { createHash } from 'node:crypto';

/** Longest string hashed as a whole; longer ones are free text, hashed by their tokens only. */
export const WHOLE_VALUE_MAX = 200;

const EMAIL = /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi;
// A link with a scheme, a www. host, or a bare domain with a path.
const URL_LIKE = /\b(?:https?:\/\/[^\s<>"'`]+|www\.[^\s<>"'`]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\/[^\s<>"'`]*)/gi;
// An IBAN or a similar account number: two letters, two digits, then at least ten characters.
const IBAN_LIKE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}\b/g;
// Runs of four or more digits (account numbers, phone numbers, ids), allowing inner separators.
const DIGITS = /\d(?:[\d -]{2,}\d)/g;
// Quoted text: an identifier or a short instruction argument ('13', "Fred").
const QUOTED = /(["'`‘“])([^"'`’”\n]{1,100})["'`’”]/g;

/** The normalised candidates a value stands for: the whole (when short) and the tokens inside. */
export function candidates(value: unknown): string[] {
  if (typeof value === 'number' && Number.isFinite(value)) return [normalize(String(value))];
  if (typeof value !== 'string') return [];
  const out = new Set<string>();
  const whole = normalize(value);
  if (whole !== '' && value.length <= WHOLE_VALUE_MAX) out.add(whole);
  for (const m of value.matchAll(EMAIL)) out.add(normalize(m[0]));
  for (const m of value.matchAll(URL_LIKE)) out.add(normalizeUrl(m[0]));
  for (const m of value.matchAll(IBAN_LIKE)) out.add(normalize(m[0]).replaceAll(' ', ''));
  for (const m of value.matchAll(DIGITS)) out.add(m[0].replace(/[ -]/g, ''));
  for (const m of value.matchAll(QUOTED)) out.add(normalize(m[2] ?? ''));
  // A bare URL argument also stands for its normalised form.
  if (whole !== '' && value.length <= WHOLE_VALUE_MAX && /^(https?:\/\/|www\.)/i.test(value.trim())) {
    out.add(normalizeUrl(value.trim()));
  }
  out.delete('');
  return [...out];
}

/** The hash a normalised candidate is remembered by (16 hex digits of SHA-256, domain-separated). */
export function hashCandidate(candidate: string): string {
  return createHash('sha256').update('regent-integrity-v1\0').update(candidate).digest('hex').slice(0, 16);
}

/** Hashes of every candidate of every leaf (strings and numbers) of a JSON value. */
export function hashLeaves(value: unknown, into: Set<string> = new Set()): Set<string> {
  walk(value, (leaf) => {
    for (const c of candidates(leaf)) into.add(hashCandidate(c));
  });
  return into;
}

/** Calls `visit` on every string and number leaf of a JSON value (object keys are not values). */
export function walk(value: unknown, visit: (leaf: string | number) => void, depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string' || typeof value === 'number') visit(value);
  else if (Array.isArray(value)) for (const v of value) walk(v, visit, depth + 1);
  else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) walk(v, visit, depth + 1);
  }
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

// Scheme, a leading www., and trailing punctuation or slashes do not make a different link.
function normalizeUrl(text: string): string {
  return normalize(text)
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[.,;:!?)\]}]+$/, '')
    .replace(/\/+$/, '');
}
