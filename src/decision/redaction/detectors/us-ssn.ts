/**
 * US social security numbers, with the SSA's validity rules: no area 000, 666 or 9xx, no group
 * 00, no serial 0000 (and the two numbers the SSA voided after they were printed in ads). Nine
 * bare digits are an SSN only next to a word that says so; otherwise they are far more often an
 * order number, a ZIP+4 or an id.
 */
import { scanCandidates } from './scan-regex.ts';
import type { Detector, Span } from './types.ts';

const SEPARATED = /(?<![\w.-])([0-9]{3})([- ])([0-9]{2})\2([0-9]{4})(?![\w-]|[.,][0-9])/g;
const BARE = /(?<![\w.-])([0-9]{3})([0-9]{2})([0-9]{4})(?![\w-]|[.,][0-9])/g;
const CONTEXT = /\bssns?\b|\bss#|social[ -]security|\bsoc\.? ?sec\b/i;
/** How far before bare digits the word `SSN` (or similar) may stand. */
const CONTEXT_WINDOW = 40;
const VOIDED = new Set(['078051120', '219099999']);

/** True when area, group and serial are all ones the SSA may issue. */
export function isValidSsn(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  return !VOIDED.has(area + group + serial);
}

function validated(m: RegExpExecArray, groups: [number, number, number]): Span[] {
  const [a, g, s] = groups;
  return isValidSsn(m[a] ?? '', m[g] ?? '', m[s] ?? '') ? [{ start: m.index, end: m.index + m[0].length }] : [];
}

/** Finds US SSNs written `123-45-6789` or `123 45 6789`, or as nine digits after "SSN". */
export const usSsnDetector: Detector = {
  type: 'us_ssn',
  mayContain: (text) => /[0-9]{3}/.test(text),
  find: (text) => {
    const spans = scanCandidates(SEPARATED, text, (m) => validated(m, [1, 3, 4]));
    const bare = scanCandidates(BARE, text, (m) => {
      const before = text.slice(Math.max(0, m.index - CONTEXT_WINDOW), m.index);
      return CONTEXT.test(before) ? validated(m, [1, 2, 3]) : [];
    });
    return [...spans, ...bare].sort((x, y) => x.start - y.start);
  },
};
