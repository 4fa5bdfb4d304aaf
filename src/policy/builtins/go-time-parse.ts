/**
 * Go's `time.Parse(layout, value)` as OPA's time.parse_ns and time.parse_rfc3339_ns call it,
 * with Go's acceptance rules and error texts. A zone abbreviation in the value ("EST") counts
 * only if the Local zone uses it, as in Go; any other abbreviation fixes no offset.
 */
import { OperandError } from './builtin-error.ts';
import { LONG_DAYS, LONG_MONTHS, daysBefore, daysFromCivil, daysIn, isLeap } from './go-time.ts';
import { nextChunk, type LayoutElement } from './go-time-layout.ts';
import type { Zone } from './time-zones.ts';

/** The instant a parsed value denotes. */
export interface ParsedInstant {
  unixSeconds: number;
  nanos: number;
}

const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));

/** Go's `quote`: double quotes, with bytes outside printable ASCII as \xNN. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

class Bad extends Error {}
const bad = (): never => {
  throw new Bad();
};

const isDigitAt = (s: string, i: number): boolean => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** Go's `leadingInt`: consumes [0-9]*; undefined on overflow past 2^63. */
export function leadingInt(s: string): { value: bigint; rest: string } | undefined {
  let i = 0;
  let x = 0n;
  for (; i < s.length && isDigitAt(s, i); i++) {
    if (x > 2n ** 63n / 10n) return undefined;
    x = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (x > 2n ** 63n) return undefined;
  }
  return { value: x, rest: s.slice(i) };
}

/** Go's time-package `atoi`: optional sign, then digits to the end (an empty number is 0). */
function atoi(s: string): number {
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const r = leadingInt(s);
  if (r === undefined || r.rest !== '') bad();
  const x = Number(r?.value ?? 0n);
  return neg ? -x : x;
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + (s.charCodeAt(i) - 48);
  if (i === 0 || (fixed && i !== 3)) bad();
  return [n, s.slice(i)];
}

function lookup(table: readonly string[], value: string): [number, string] {
  for (const [i, name] of table.entries()) {
    if (value.length >= name.length && value.slice(0, name.length).toLowerCase() === name.toLowerCase()) {
      return [i, value.slice(name.length)];
    }
  }
  return bad();
}

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') bad();
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) bad();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

const commaOrPeriod = (c: string | undefined): boolean => c === '.' || c === ',';

/** Go's `parseNanoseconds`: returns [nanos, rangeError]. */
function parseNanoseconds(value: string, nbytes: number): [number, string] {
  if (!commaOrPeriod(value[0])) bad();
  if (nbytes > 10) nbytes = 10;
  let ns = atoi(value.slice(1, nbytes));
  if (ns < 0) return [0, 'fractional second'];
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10;
  return [ns, ''];
}

function parseSignedOffset(value: string): number {
  if (value[0] !== '-' && value[0] !== '+') return 0;
  const r = leadingInt(value.slice(1));
  if (r === undefined || r.rest === value.slice(1) || r.value > 23n) return 0;
  return value.length - r.rest.length;
}

/** Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`. */
function parseTimeZone(value: string): number | undefined {
  if (value.length < 3) return undefined;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) return value.length === 3 ? 3 : 3 + parseSignedOffset(value.slice(3));
  if (value[0] === '+' || value[0] === '-') {
    const n = parseSignedOffset(value);
    return n > 0 ? n : undefined;
  }
  let upper = 0;
  while (upper < 6 && /[A-Z]/.test(value[upper] ?? '')) upper++;
  if (upper === 3) return 3;
  if (upper === 4 && (value[3] === 'T' || value.startsWith('WITA'))) return 4;
  if (upper === 5 && value[4] === 'T') return 5;
  return undefined;
}

/** Splits a numeric zone offset per the element's shape: [sign, hh, mm, ss, rest]. */
function splitOffset(kind: string, v: string): [string, string, string, string, string] {
  if (kind === 'ISO8601ColonTZ' || kind === 'NumColonTZ') {
    if (v.length < 6 || v[3] !== ':') bad();
    return [v.slice(0, 1), v.slice(1, 3), v.slice(4, 6), '00', v.slice(6)];
  }
  if (kind === 'NumShortTZ' || kind === 'ISO8601ShortTZ') {
    if (v.length < 3) bad();
    return [v.slice(0, 1), v.slice(1, 3), '00', '00', v.slice(3)];
  }
  if (kind === 'ISO8601ColonSecondsTZ' || kind === 'NumColonSecondsTZ') {
    if (v.length < 9 || v[3] !== ':' || v[6] !== ':') bad();
    return [v.slice(0, 1), v.slice(1, 3), v.slice(4, 6), v.slice(7, 9), v.slice(9)];
  }
  if (kind === 'ISO8601SecondsTZ' || kind === 'NumSecondsTz') {
    if (v.length < 7) bad();
    return [v.slice(0, 1), v.slice(1, 3), v.slice(3, 5), v.slice(5, 7), v.slice(7)];
  }
  if (v.length < 5) bad();
  return [v.slice(0, 1), v.slice(1, 3), v.slice(3, 5), '00', v.slice(5)];
}

/** Go's `time.Parse(layout, value)` with `local` as Go's Local, reduced to the instant; throws Go's error text. */
export function parseTime(layout: string, value: string, local: Zone): ParsedInstant {
  const fail = (layoutElem: string, valueElem: string, message = ''): never => {
    throw new OperandError(
      message === ''
        ? `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`
        : `parsing time ${goQuote(value)}${message}`,
    );
  };
  let rest = layout;
  let v = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let utc = false;
  let zoneOffset = -1;
  let zoneName = '';
  let amSet = false;
  let pmSet = false;

  for (;;) {
    const { prefix, element, suffix } = nextChunk(rest);
    const elementText = rest.slice(prefix.length, rest.length - suffix.length);
    try {
      v = skip(v, prefix);
    } catch (e) {
      if (e instanceof Bad) fail(prefix, v);
      throw e;
    }
    if (element === undefined) {
      if (v.length !== 0) fail('', v, `: extra text: ${goQuote(v)}`);
      break;
    }
    rest = suffix;
    const hold = v;
    let rangeError: string;
    try {
      [v, rangeError] = parseElement(element, v, rest);
    } catch (e) {
      if (e instanceof Bad) fail(elementText, hold);
      throw e;
    }
    if (rangeError !== '') fail(elementText, v, `: ${rangeError} out of range`);
  }

  function parseElement(element: LayoutElement, v: string, layoutRest: string): [string, string] {
    let range = '';
    switch (element.kind) {
      case 'Year': {
        if (v.length < 2) bad();
        year = atoi(v.slice(0, 2));
        year += year >= 69 ? 1900 : 2000;
        return [v.slice(2), range];
      }
      case 'LongYear':
        if (v.length < 4 || !isDigitAt(v, 0)) bad();
        year = atoi(v.slice(0, 4));
        return [v.slice(4), range];
      case 'Month':
      case 'LongMonth': {
        const [i, after] = lookup(element.kind === 'Month' ? SHORT_MONTHS : LONG_MONTHS, v);
        month = i + 1;
        return [after, range];
      }
      case 'NumMonth':
      case 'ZeroMonth': {
        const [m, after] = getnum(v, element.kind === 'ZeroMonth');
        month = m;
        if (m <= 0 || m > 12) range = 'month';
        return [after, range];
      }
      case 'WeekDay':
      case 'LongWeekDay':
        return [lookup(element.kind === 'WeekDay' ? SHORT_DAYS : LONG_DAYS, v)[1], range];
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay': {
        if (element.kind === 'UnderDay' && v[0] === ' ') v = v.slice(1);
        const [d, after] = getnum(v, element.kind === 'ZeroDay');
        day = d;
        return [after, range];
      }
      case 'UnderYearDay':
      case 'ZeroYearDay': {
        for (let i = 0; i < 2; i++) if (element.kind === 'UnderYearDay' && v[0] === ' ') v = v.slice(1);
        const [d, after] = getnum3(v, element.kind === 'ZeroYearDay');
        yday = d;
        return [after, range];
      }
      case 'Hour': {
        const [h, after] = getnum(v, false);
        hour = h;
        if (h >= 24) range = 'hour';
        return [after, range];
      }
      case 'Hour12':
      case 'ZeroHour12': {
        const [h, after] = getnum(v, element.kind === 'ZeroHour12');
        hour = h;
        if (h > 12) range = 'hour';
        return [after, range];
      }
      case 'Minute':
      case 'ZeroMinute': {
        const [m, after] = getnum(v, element.kind === 'ZeroMinute');
        minute = m;
        if (m >= 60) range = 'minute';
        return [after, range];
      }
      case 'Second':
      case 'ZeroSecond': {
        const [s, after] = getnum(v, element.kind === 'ZeroSecond');
        second = s;
        v = after;
        if (s >= 60) return [v, 'second'];
        // A fractional second in the value that the layout does not mention is accepted.
        if (v.length >= 2 && commaOrPeriod(v[0]) && isDigitAt(v, 1)) {
          const next = nextChunk(layoutRest).element?.kind;
          if (next === 'FracSecond0' || next === 'FracSecond9') return [v, range];
          let n = 2;
          while (isDigitAt(v, n)) n++;
          [nanos, range] = parseNanoseconds(v, n);
          v = v.slice(n);
        }
        return [v, range];
      }
      case 'PM':
      case 'pm': {
        if (v.length < 2) bad();
        const p = v.slice(0, 2);
        const [am, pm] = element.kind === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
        if (p === pm) pmSet = true;
        else if (p === am) amSet = true;
        else bad();
        return [v.slice(2), range];
      }
      case 'TZ': {
        if (v.startsWith('UTC')) {
          utc = true;
          return [v.slice(3), range];
        }
        const n = parseTimeZone(v);
        if (n === undefined) bad();
        zoneName = v.slice(0, n);
        return [v.slice(n), range];
      }
      case 'FracSecond0': {
        const ndigit = 1 + element.digits;
        if (v.length < ndigit) bad();
        [nanos, range] = parseNanoseconds(v, ndigit);
        return [v.slice(ndigit), range];
      }
      case 'FracSecond9': {
        if (v.length < 2 || !commaOrPeriod(v[0]) || !isDigitAt(v, 1)) return [v, range];
        let i = 0;
        while (isDigitAt(v, i + 1)) i++;
        [nanos, range] = parseNanoseconds(v, 1 + i);
        return [v.slice(1 + i), range];
      }
      default: {
        if (element.kind.startsWith('ISO8601') && v[0] === 'Z') {
          utc = true;
          return [v.slice(1), range];
        }
        const [sign, hh, mm, ss, after] = splitOffset(element.kind, v);
        let failed = false;
        const num = (text: string): number => {
          try {
            return getnum(text, true)[0];
          } catch {
            failed = true;
            return 0;
          }
        };
        const hr = num(hh);
        const mi = failed ? 0 : num(mm);
        const se = failed ? 0 : num(ss);
        if (hr > 24) range = 'time zone offset hour';
        if (mi > 60) range = 'time zone offset minute';
        if (se > 60) range = 'time zone offset second';
        zoneOffset = (hr * 60 + mi) * 60 + se;
        if (sign === '-') zoneOffset = -zoneOffset;
        else if (sign !== '+') failed = true;
        if (failed && range === '') bad();
        return [after, range];
      }
    }
  }

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        yday--;
      }
    }
    if (yday < 1 || yday > 365) fail('', v, ': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (daysBefore(m + 1) < yday) m++;
      d = yday - daysBefore(m);
    }
    if (month >= 0 && month !== m) fail('', v, ': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) fail('', v, ': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) fail('', v, ': day out of range');

  const wall = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  // Go treats an offset of exactly -1s as "no offset" (its sentinel); so do we.
  let offset = 0;
  if (utc) offset = 0;
  else if (zoneOffset !== -1) offset = zoneOffset;
  else if (zoneName !== '') offset = local.lookupName(zoneName, wall) ?? 0;
  return { unixSeconds: wall - offset, nanos };
}
