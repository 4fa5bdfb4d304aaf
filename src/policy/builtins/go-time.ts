/**
 * The part of Go's `time` package OPA's time builtins stand on: an instant (Unix seconds plus
 * nanoseconds) in a zone, its calendar fields, `time.Date` with Go's normalisation, and the
 * int64-nanosecond range OPA accepts. Proleptic Gregorian calendar, as Go uses.
 */
import { OperandError } from './builtin-error.ts';
import { INT64_MAX, INT64_MIN, floorDiv, floorMod } from './operands.ts';
import type { Zone } from './time-zones.ts';

/** An instant in a zone, like Go's `time.Time`. */
export interface GoTime {
  /** Whole seconds since the Unix epoch (floor). */
  readonly unixSeconds: number;
  /** Nanoseconds within the second, 0..999999999. */
  readonly nanos: number;
  readonly zone: Zone;
}

/** A GoTime's calendar and clock fields in its zone. */
export interface CivilFields {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  /** Day of the year, 1..366. */
  yearDay: number;
  /** 0 = Sunday .. 6 = Saturday. */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
  /** Seconds east of UTC. */
  offset: number;
}

const SECONDS_PER_DAY = 86_400;
const NS = 1_000_000_000n;

/** English month names, January first. */
export const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
/** English weekday names, Sunday first. */
export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** Whether `year` is a Gregorian leap year. */
export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365] as const;

/** Days before the first of `month` (1..13) in a non-leap year. */
export function daysBefore(month: number): number {
  return DAYS_BEFORE[month - 1] ?? 0;
}

/** Number of days in `month` (1..12) of `year`. */
export function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29;
  return daysBefore(month + 1) - daysBefore(month);
}

/** Days from 1970-01-01 to year-month-day; any day-of-month count is allowed (it rolls over). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shifted = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shifted + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468 + (day - 1);
}

/** The calendar date of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? yearOfEra + era * 400 + 1 : yearOfEra + era * 400, month, day };
}

/** The calendar and clock fields of `t` in its zone. */
export function civilFields(t: GoTime): CivilFields {
  const offset = t.zone.offsetAt(t.unixSeconds);
  const local = t.unixSeconds + offset;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const secondOfDay = local - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    yearDay: days - daysFromCivil(year, 1, 1) + 1,
    weekday: (((days + 4) % 7) + 7) % 7,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor((secondOfDay % 3600) / 60),
    second: secondOfDay % 60,
    offset,
  };
}

/** Go's `time.Unix(0, ns).In(zone)`. */
export function fromUnixNanos(ns: bigint, zone: Zone): GoTime {
  return { unixSeconds: Number(floorDiv(ns, NS)), nanos: Number(floorMod(ns, NS)), zone };
}

/** Nanoseconds since the epoch, or OPA's "time outside of valid range" beyond int64. */
export function toUnixNanos(t: GoTime): bigint {
  const ns = BigInt(t.unixSeconds) * NS + BigInt(t.nanos);
  if (ns < INT64_MIN || ns > INT64_MAX) throw new OperandError('time outside of valid range');
  return ns;
}

/**
 * Go's `time.Date(year, month, day, hour, min, sec, nsec, zone)`: out-of-range fields roll over,
 * and a wall time a zone transition skips or repeats resolves as Go resolves it.
 */
export function goDate(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  nanos: number,
  zone: Zone,
): GoTime {
  const m = month - 1;
  const normalizedYear = year + Math.floor(m / 12);
  const normalizedMonth = (((m % 12) + 12) % 12) + 1;
  const extraSeconds = Math.floor(nanos / 1e9);
  const wall =
    daysFromCivil(normalizedYear, normalizedMonth, day) * SECONDS_PER_DAY +
    hour * 3600 +
    minute * 60 +
    second +
    extraSeconds;
  // Go looks the offset up at the wall time read as UTC, then once more at the candidate instant
  // if that falls outside the zone period it found.
  let offset = zone.offsetAt(wall);
  if (offset !== 0) offset = zone.offsetAt(wall - offset);
  return { unixSeconds: wall - offset, nanos: nanos - extraSeconds * 1e9, zone };
}

/** Rejects calendar arithmetic so far out that no int64 nanosecond result is possible. */
export function checkYearRange(year: number): void {
  if (!Number.isFinite(year) || Math.abs(year) > 1_000_000) throw new OperandError('time outside of valid range');
}
