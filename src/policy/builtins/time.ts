/**
 * OPA's time.* builtins (topdown/time.go) over Go's calendar rules. Nanosecond timestamps are
 * exact int64 values: they arrive as bigint when beyond 2^53 and leave as raw JSON digits.
 */
import { OperandError, operandTypeError } from './builtin-error.ts';
import type { BuiltinContext, BuiltinDefinition } from './context.ts';
import { parseDuration } from './go-duration.ts';
import {
  LONG_DAYS,
  checkYearRange,
  civilFields,
  daysFromCivil,
  fromUnixNanos,
  goDate,
  toUnixNanos,
  type GoTime,
} from './go-time.ts';
import { NAMED_LAYOUTS, RFC3339, RFC3339_NANO, formatTime } from './go-time-layout.ts';
import { parseTime } from './go-time-parse.ts';
import { integerResult, type BuiltinValue } from './json-numbers.ts';
import { INT64_MAX, INT64_MIN, integerOperand, isNumber, stringOperand } from './operands.ts';
import { UTC_ZONE, resolveZone } from './time-zones.ts';

const TIME_OPERAND = 'either number (ns) or [number (ns), string (tz)]';

/** OPA's `tzTime`: a number of ns, or [ns, zone] / [ns, zone, layout]. */
function tzTime(context: BuiltinContext, value: unknown): { time: GoTime; layout: string } {
  let ns: unknown;
  let zoneName = '';
  let layout = '';
  if (Array.isArray(value)) {
    if (value.length === 0) operandTypeError(1, value, TIME_OPERAND);
    ns = value[0];
    if (!isNumber(ns)) operandTypeError(1, ns, 'number');
    if (value.length > 1) zoneName = stringOperand(value[1], 1);
    if (value.length > 2) layout = stringOperand(value[2], 1);
  } else if (isNumber(value)) {
    ns = value;
  } else {
    operandTypeError(1, value, TIME_OPERAND);
  }
  const zone = resolveZone(zoneName, context.localZone);
  return { time: fromUnixNanos(exactNanos(ns as number | bigint), zone), layout };
}

/** A timestamp operand as int64 nanoseconds; OPA rejects fractions and overflow alike. */
function exactNanos(value: number | bigint): bigint {
  const big = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : undefined;
  if (big === undefined || big < INT64_MIN || big > INT64_MAX) throw new OperandError('timestamp too big');
  return big;
}

function nanosResult(t: GoTime): BuiltinValue {
  return integerResult(toUnixNanos(t));
}

function nowNs(context: BuiltinContext): BuiltinValue {
  return integerResult(context.nowNs());
}

function parseNs(context: BuiltinContext, layoutArg: unknown, valueArg: unknown): BuiltinValue {
  const layout = stringOperand(layoutArg, 1);
  const value = stringOperand(valueArg, 2);
  const local = resolveZone('Local', context.localZone);
  const { unixSeconds, nanos } = parseTime(NAMED_LAYOUTS[layout] ?? layout, value, local);
  return nanosResult({ unixSeconds, nanos, zone: UTC_ZONE });
}

function parseRfc3339Ns(context: BuiltinContext, value: unknown): BuiltinValue {
  return parseNs(context, RFC3339, stringOperand(value, 1));
}

function parseDurationNs(_context: BuiltinContext, value: unknown): BuiltinValue {
  return integerResult(parseDuration(stringOperand(value, 1)));
}

function format(context: BuiltinContext, value: unknown): BuiltinValue {
  const { time, layout } = tzTime(context, value);
  return formatTime(time, layout === '' ? RFC3339_NANO : (NAMED_LAYOUTS[layout] ?? layout));
}

function date(context: BuiltinContext, value: unknown): BuiltinValue {
  const f = civilFields(tzTime(context, value).time);
  return [f.year, f.month, f.day];
}

function clock(context: BuiltinContext, value: unknown): BuiltinValue {
  const f = civilFields(tzTime(context, value).time);
  return [f.hour, f.minute, f.second];
}

function weekday(context: BuiltinContext, value: unknown): BuiltinValue {
  return LONG_DAYS[civilFields(tzTime(context, value).time).weekday] ?? '';
}

function addDate(
  context: BuiltinContext,
  value: unknown,
  yearsArg: unknown,
  monthsArg: unknown,
  daysArg: unknown,
): BuiltinValue {
  const { time } = tzTime(context, value);
  const years = Number(integerOperand(yearsArg, 2));
  const months = Number(integerOperand(monthsArg, 3));
  const days = Number(integerOperand(daysArg, 4));
  checkYearRange(years + months / 12 + days / 366);
  const f = civilFields(time);
  return nanosResult(
    goDate(f.year + years, f.month + months, f.day + days, f.hour, f.minute, f.second, time.nanos, time.zone),
  );
}

function isAfter(a: GoTime, b: GoTime): boolean {
  return a.unixSeconds > b.unixSeconds || (a.unixSeconds === b.unixSeconds && a.nanos > b.nanos);
}

/** time.diff: [years, months, days, hours, minutes, seconds] between two instants, in t1's zone. */
function diff(context: BuiltinContext, first: unknown, second: unknown): BuiltinValue {
  let t1 = tzTime(context, first).time;
  let t2 = tzTime(context, second).time;
  if (t1.zone.key !== t2.zone.key) t2 = { ...t2, zone: t1.zone };
  if (isAfter(t1, t2)) [t1, t2] = [t2, t1];
  const a = civilFields(t1);
  const b = civilFields(t2);
  let year = b.year - a.year;
  let month = b.month - a.month;
  let day = b.day - a.day;
  let hour = b.hour - a.hour;
  let minute = b.minute - a.minute;
  let sec = b.second - a.second;
  if (sec < 0) {
    sec += 60;
    minute--;
  }
  if (minute < 0) {
    minute += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in t1's month: Go normalises day 32 and subtracts.
    day += daysFromCivil(a.year, a.month + 1, 1) - daysFromCivil(a.year, a.month, 1);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, minute, sec];
}

/** The time.* builtins, by OPA name. */
export const TIME_BUILTINS: Readonly<Record<string, BuiltinDefinition>> = {
  'time.now_ns': { impl: nowNs, arity: 0 },
  'time.parse_ns': { impl: parseNs, arity: 2 },
  'time.parse_rfc3339_ns': { impl: parseRfc3339Ns, arity: 1 },
  'time.parse_duration_ns': { impl: parseDurationNs, arity: 1 },
  'time.format': { impl: format, arity: 1, exactIntegers: true },
  'time.date': { impl: date, arity: 1, exactIntegers: true },
  'time.clock': { impl: clock, arity: 1, exactIntegers: true },
  'time.weekday': { impl: weekday, arity: 1, exactIntegers: true },
  'time.add_date': { impl: addDate, arity: 4, exactIntegers: true },
  'time.diff': { impl: diff, arity: 2, exactIntegers: true },
};
