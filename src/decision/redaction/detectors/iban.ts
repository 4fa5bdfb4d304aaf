/**
 * IBANs: a country code, two check digits and a BBAN, solid or in space-separated groups. The
 * country length table, BBAN shapes and the mod-97 check come from `ibantools`, which follows
 * the SWIFT IBAN registry; regent only finds candidates and trims them to the country's length.
 */
import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { scanCandidates } from './scan-regex.ts';
import type { Detector, Span } from './types.ts';

// Country code, check digits, then 11-32 more letters or digits, optionally single-space separated.
const CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]){11,32}/g;

const LENGTHS = new Map<string, number>();
for (const [code, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars !== undefined && spec.chars !== null && spec.chars > 0) LENGTHS.set(code, spec.chars);
}

/** True when `compact` (no spaces, any case) is a valid IBAN: length, BBAN format and mod-97. */
export function isIban(compact: string): boolean {
  const upper = compact.toUpperCase();
  return LENGTHS.get(upper.slice(0, 2)) === upper.length && isValidIBAN(upper);
}

// Take exactly the country's length; the IBAN must end where a group ends (or the text does).
function ibanIn(m: RegExpExecArray, text: string): Span[] {
  const want = LENGTHS.get(m[0].slice(0, 2).toUpperCase());
  if (want === undefined) return [];
  let count = 0;
  let end = 0;
  let compact = '';
  for (; end < m[0].length && count < want; end++) {
    const c = m[0].charAt(end);
    if (c !== ' ') {
      count++;
      compact += c;
    }
  }
  if (count < want) return [];
  const next = text[m.index + end];
  if (next !== undefined && /[A-Za-z0-9]/.test(next)) return [];
  return isIban(compact) ? [{ start: m.index, end: m.index + end }] : [];
}

/** Finds IBANs. */
export const ibanDetector: Detector = {
  type: 'iban',
  mayContain: (text) => /[A-Za-z]{2}[0-9]{2}/.test(text),
  find: (text) => scanCandidates(CANDIDATE, text, ibanIn),
};
