/**
 * Payment card numbers: 13-19 digits, written solid or in groups separated by single spaces, dashes
 * or dots, passing the Luhn check and starting with an issuer range (IIN) whose brand issues
 * that length. The IIN table is Braintree's `credit-card-type`, kept current by a card processor.
 */
import creditCardType from 'credit-card-type';
import { scanCandidates } from './scan-regex.ts';
import type { Detector, Span } from './types.ts';

// A whole run of digits with single separators, taken at once (no backtracking, one pass);
// every card inside it is then found by trying the runs of consecutive groups.
const CANDIDATE = /(?<![\w.-])[0-9](?:[ .-]?[0-9])*/g;

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** True for 13-19 digits that pass Luhn and fall in an issuer range of that length. */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || !/^[0-9]+$/.test(digits)) return false;
  if (/^(.)\1*$/.test(digits) || !luhnValid(digits)) return false;
  return creditCardType(digits).some((brand) => brand.lengths.includes(digits.length));
}

interface Group {
  start: number;
  end: number;
  digits: string;
}

// Cards are found as whole groups: the longest valid run of consecutive groups, left to right.
function cardsIn(m: RegExpExecArray, text: string): Span[] {
  const groups: Group[] = [];
  const re = /[0-9]+/g;
  for (let g = re.exec(m[0]); g !== null; g = re.exec(m[0]))
    groups.push({ start: m.index + g.index, end: m.index + g.index + g[0].length, digits: g[0] });
  // A last group glued to letters (`...1111abc`) is part of some other token.
  const after = text[m.index + m[0].length];
  if (after !== undefined && /\w/.test(after)) groups.pop();
  const spans: Span[] = [];
  for (let i = 0; i < groups.length;) {
    const first = groups[i];
    if (first === undefined) break;
    let best: Group | undefined;
    let bestIndex = i;
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      const g = groups[j];
      if (g === undefined || digits.length + g.digits.length > 19) break;
      digits += g.digits;
      if (isCardNumber(digits)) {
        best = g;
        bestIndex = j;
      }
    }
    if (best === undefined) {
      i++;
      continue;
    }
    spans.push({ start: first.start, end: best.end });
    i = bestIndex + 1;
  }
  return spans;
}

/** Finds payment card numbers. */
export const paymentCardDetector: Detector = {
  type: 'payment_card',
  mayContain: (text) => /[0-9]{4}/.test(text),
  find: (text) => scanCandidates(CANDIDATE, text, cardsIn, { exhaustive: true }),
};
