/**
 * Go time layouts ("2006-01-02T15:04:05Z07:00"), which time.format and time.parse_ns take:
 * the tokenizer (Go's `nextStdChunk`) and `Time.Format`. Parsing is in go-time-parse.ts.
 */
import { LONG_DAYS, LONG_MONTHS, civilFields, type GoTime } from './go-time.ts';

/** One layout element Go recognises; `digits`/`separator` only for fractional seconds. */
export type LayoutElement =
  | {
      kind:
        'LongMonth' | 'Month' | 'NumMonth' | 'ZeroMonth' | 'LongWeekDay' | 'WeekDay' | 'Day' | 'UnderDay' | 'ZeroDay';
    }
  | {
      kind:
        | 'UnderYearDay'
        | 'ZeroYearDay'
        | 'Hour'
        | 'Hour12'
        | 'ZeroHour12'
        | 'Minute'
        | 'ZeroMinute'
        | 'Second'
        | 'ZeroSecond';
    }
  | { kind: 'LongYear' | 'Year' | 'PM' | 'pm' | 'TZ' }
  | { kind: ZoneKind }
  | { kind: 'FracSecond0' | 'FracSecond9'; digits: number; separator: string };

/** The numeric zone elements: `Z07:00`-style print Z for UTC, `-07:00`-style never do. */
export type ZoneKind =
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ';

/** A layout split at its first element: literal text before it, the element, the rest. */
export interface Chunk {
  prefix: string;
  element: LayoutElement | undefined;
  suffix: string;
}

/** The named layouts OPA accepts in place of a layout string. */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

/** Go's RFC 3339 layout. */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';
/** Go's RFC 3339 layout with trailing-zero-trimmed nanoseconds (time.format's default). */
export const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';

const ZERO_X: readonly LayoutElement['kind'][] = [
  'ZeroMonth',
  'ZeroDay',
  'ZeroHour12',
  'ZeroMinute',
  'ZeroSecond',
  'Year',
];

const ZONE_TOKENS: readonly [string, ZoneKind][] = [
  ['-070000', 'NumSecondsTz'],
  ['-07:00:00', 'NumColonSecondsTZ'],
  ['-0700', 'NumTZ'],
  ['-07:00', 'NumColonTZ'],
  ['-07', 'NumShortTZ'],
  ['Z070000', 'ISO8601SecondsTZ'],
  ['Z07:00:00', 'ISO8601ColonSecondsTZ'],
  ['Z0700', 'ISO8601TZ'],
  ['Z07:00', 'ISO8601ColonTZ'],
  ['Z07', 'ISO8601ShortTZ'],
];

const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isDigitChar = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's `nextStdChunk`: finds the first layout element, scanning left to right. */
export function nextChunk(layout: string): Chunk {
  const at = (i: number, kind: LayoutElement['kind'], length: number): Chunk => ({
    prefix: layout.slice(0, i),
    element: { kind } as LayoutElement,
    suffix: layout.slice(i + length),
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const rest = layout.slice(i);
    switch (c) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return at(i, 'LongMonth', 7);
          if (!isLower(rest[3])) return at(i, 'Month', 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return at(i, 'LongWeekDay', 6);
          if (!isLower(rest[3])) return at(i, 'WeekDay', 3);
        }
        if (rest.startsWith('MST')) return at(i, 'TZ', 3);
        break;
      case '0': {
        const next = rest[1];
        if (next !== undefined && next >= '1' && next <= '6') return at(i, ZERO_X[Number(next) - 1] ?? 'ZeroMonth', 2);
        if (rest.startsWith('002')) return at(i, 'ZeroYearDay', 3);
        break;
      }
      case '1':
        if (rest[1] === '5') return at(i, 'Hour', 2);
        return at(i, 'NumMonth', 1);
      case '2':
        if (rest.startsWith('2006')) return at(i, 'LongYear', 4);
        return at(i, 'Day', 1);
      case '_':
        if (rest[1] === '2') {
          // "_2006" is a literal underscore followed by the long year.
          if (rest.startsWith('_2006'))
            return { prefix: layout.slice(0, i + 1), element: { kind: 'LongYear' }, suffix: layout.slice(i + 5) };
          return at(i, 'UnderDay', 2);
        }
        if (rest.startsWith('__2')) return at(i, 'UnderYearDay', 3);
        break;
      case '3':
        return at(i, 'Hour12', 1);
      case '4':
        return at(i, 'Minute', 1);
      case '5':
        return at(i, 'Second', 1);
      case 'P':
        if (rest[1] === 'M') return at(i, 'PM', 2);
        break;
      case 'p':
        if (rest[1] === 'm') return at(i, 'pm', 2);
        break;
      case '-':
      case 'Z':
        for (const [token, kind] of ZONE_TOKENS) {
          if (rest.startsWith(token)) return at(i, kind, token.length);
        }
        break;
      case '.':
      case ',': {
        const digit = rest[1];
        if (digit === '0' || digit === '9') {
          let j = 1;
          while (rest[j] === digit) j++;
          // Only a run of digits that ends here is a fractional second.
          if (!isDigitChar(rest[j])) {
            return {
              prefix: layout.slice(0, i),
              element: { kind: digit === '0' ? 'FracSecond0' : 'FracSecond9', digits: j - 1, separator: c },
              suffix: layout.slice(i + j),
            };
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return { prefix: layout, element: undefined, suffix: '' };
}

/** Go's `appendInt`: decimal, zero-padded to `width` digits after any sign. */
export function padInt(value: number, width: number): string {
  const digits = String(Math.abs(value)).padStart(width, '0');
  return value < 0 ? `-${digits}` : digits;
}

/** Go's fractional-second formatting: `.000` keeps zeros, `.999` trims them (and the dot). */
export function formatFraction(nanos: number, digits: number, separator: string, trim: boolean): string {
  if (trim && (digits === 0 || nanos === 0)) return '';
  let text = padInt(nanos, 9).slice(0, Math.min(digits, 9));
  if (trim) text = text.replace(/0+$/, '');
  return text === '' && trim ? '' : `${separator}${text}`;
}

function formatZone(kind: ZoneKind, offset: number): string {
  if (offset === 0 && kind.startsWith('ISO8601')) return 'Z';
  // Go takes the sign from the whole minutes, so an offset of -52s prints as +00:00:-52.
  const zoneMinutes = Math.trunc(offset / 60);
  const sign = zoneMinutes < 0 ? '-' : '+';
  const abs = zoneMinutes < 0 ? -offset : offset;
  const minutes = Math.abs(zoneMinutes);
  const colon = kind.includes('Colon') ? ':' : '';
  let out = sign + padInt(Math.trunc(minutes / 60), 2);
  if (kind !== 'NumShortTZ' && kind !== 'ISO8601ShortTZ') out += colon + padInt(minutes % 60, 2);
  if (kind.includes('Seconds')) out += colon + padInt(abs % 60, 2);
  return out;
}

/** Go's `Time.Format(layout)`. */
export function formatTime(t: GoTime, layout: string): string {
  const f = civilFields(t);
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const { prefix, element, suffix } = nextChunk(rest);
    out += prefix;
    if (element === undefined) break;
    rest = suffix;
    const hour12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
    switch (element.kind) {
      case 'Year':
        out += padInt(Math.abs(f.year) % 100, 2);
        break;
      case 'LongYear':
        out += padInt(f.year, 4);
        break;
      case 'Month':
        out += (LONG_MONTHS[f.month - 1] ?? '').slice(0, 3);
        break;
      case 'LongMonth':
        out += LONG_MONTHS[f.month - 1] ?? '';
        break;
      case 'NumMonth':
        out += String(f.month);
        break;
      case 'ZeroMonth':
        out += padInt(f.month, 2);
        break;
      case 'WeekDay':
        out += (LONG_DAYS[f.weekday] ?? '').slice(0, 3);
        break;
      case 'LongWeekDay':
        out += LONG_DAYS[f.weekday] ?? '';
        break;
      case 'Day':
        out += String(f.day);
        break;
      case 'UnderDay':
        out += (f.day < 10 ? ' ' : '') + String(f.day);
        break;
      case 'ZeroDay':
        out += padInt(f.day, 2);
        break;
      case 'UnderYearDay':
        out += String(f.yearDay).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += padInt(f.yearDay, 3);
        break;
      case 'Hour':
        out += padInt(f.hour, 2);
        break;
      case 'Hour12':
        out += String(hour12);
        break;
      case 'ZeroHour12':
        out += padInt(hour12, 2);
        break;
      case 'Minute':
        out += String(f.minute);
        break;
      case 'ZeroMinute':
        out += padInt(f.minute, 2);
        break;
      case 'Second':
        out += String(f.second);
        break;
      case 'ZeroSecond':
        out += padInt(f.second, 2);
        break;
      case 'PM':
        out += f.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += f.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        out += t.zone.abbreviationAt(t.unixSeconds);
        break;
      case 'FracSecond0':
      case 'FracSecond9':
        out += formatFraction(t.nanos, element.digits, element.separator, element.kind === 'FracSecond9');
        break;
      default:
        out += formatZone(element.kind, f.offset);
    }
  }
  return out;
}
