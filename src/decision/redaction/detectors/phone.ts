/**
 * Phone numbers. Which digit strings are real numbers is a per-country table that changes every
 * month, so validation is libphonenumber-js (Google's metadata, `max` set, leniency VALID). It is
 * only ever handed short candidates: its own matcher costs microseconds per character on
 * separator-heavy text, whereas this bounded pre-filter keeps the whole scan linear and cheap.
 */
import { findPhoneNumbersInText, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { scanCandidates } from './scan-regex.ts';
import type { Detector, Span } from './types.ts';

// A run of digits and the separators people write, starting at a token start, at most 35 long.
const CANDIDATE = /(?<![\w+@./-])(?:\+|00)?\(?\d[\d ().\u00a0-]{5,30}\d(?![\w@])/g;

/** Fewest and most digits a phone number has (E.164 allows 15; short national numbers have 7). */
const MIN_DIGITS = 7;
const MAX_DIGITS = 15;

/** Characters of context on each side handed to libphonenumber with a candidate. */
const CONTEXT = 8;

/** Fewest digits an unvalidated candidate needs to count as a phone once the budget is spent. */
const FALLBACK_MIN_DIGITS = 10;

function candidateSpan(m: RegExpExecArray): Span {
  return { start: m.index, end: m.index + m[0].length };
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Finds phone numbers in international form, or in the national form of the configured regions. */
export const phoneDetector: Detector = {
  type: 'phone',
  mayContain: (text) => /[0-9][^0-9]{0,3}[0-9][^0-9]{0,3}[0-9][^0-9]{0,3}[0-9]/.test(text),
  find: (text, context) => {
    const regions = context.phoneRegions.filter((r): r is CountryCode => isSupportedCountry(r));
    return scanCandidates(CANDIDATE, text, (m) => {
      const digits = digitCount(m[0]);
      if (digits < MIN_DIGITS || digits > MAX_DIGITS) return [];
      const international = m[0].startsWith('+') || m[0].startsWith('00');
      const attempts: { defaultCountry?: CountryCode }[] = international
        ? [{}]
        : regions.map((r) => ({ defaultCountry: r }));
      // Past the budget, validation would let a payload of many numbers cost seconds; every
      // plausible candidate (10+ digits) then counts as a phone: bounded work, erring toward detection.
      if (context.phoneValidations.remaining <= 0) return digits >= FALLBACK_MIN_DIGITS ? [candidateSpan(m)] : [];
      context.phoneValidations.remaining -= attempts.length;
      // libphonenumber looks around a number (a `:30` after it makes it a timestamp), so it gets a
      // little context, and may return a match that reaches into it: `(+44) ...`, `... ext. 12`.
      // `00` becomes ` +` (same length) so every region reads it as international.
      const from = Math.max(0, m.index - CONTEXT);
      const to = Math.min(text.length, m.index + m[0].length + CONTEXT);
      const at = m.index - from;
      let window = text.slice(from, to);
      if (m[0].startsWith('00')) window = window.slice(0, at) + ' +' + window.slice(at + 2);
      for (const options of attempts) {
        const found = findPhoneNumbersInText(window, options).filter(
          (f) => f.startsAt < at + m[0].length && f.endsAt > at,
        );
        if (found.length === 0) continue;
        return found.map((f): Span => {
          let start = from + (f.startsAt === at + 1 && m[0].startsWith('00') ? at : f.startsAt);
          // `(415-555-0100)`: the opening parenthesis belongs to the prose, not to the number.
          if (text[start] === '(' && !text.slice(start, from + f.endsAt).includes(')')) start++;
          return { start, end: from + f.endsAt };
        });
      }
      return [];
    });
  },
};
