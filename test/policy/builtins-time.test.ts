/**
 * The time.* host builtins against OPA's own evaluator: every case runs through `opa eval`
 * (one process per batch) and through createBuiltins(), and both must end the same way.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BuiltinError, createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';

const NS_2023 = 1_700_000_000_123_456_789n; // 2023-11-14T22:13:20.123456789Z
const LEAP_DAY = 1_709_208_000_000_000_000n; // 2024-02-29T12:00:00Z
const JAN_31 = 1_706_702_400_000_000_000n; // 2024-01-31T12:00:00Z
const DST_EVE = 1_710_036_000_000_000_000n; // 2024-03-10T02:00:00Z = 2024-03-09T21:00 in New York
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;
const Y1811 = -5_000_000_000_000_000_000n; // before New York adopted standard time (LMT -4:56:02)

const CASES: BuiltinCase[] = [
  // time.parse_rfc3339_ns
  { builtin: 'time.parse_rfc3339_ns', args: ['2024-01-01T00:00:00Z'], note: 'parses a UTC timestamp' },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2024-02-29T12:30:45.123456789+05:30'],
    note: 'keeps nanoseconds beyond 2^53 exact on a leap day with an offset',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2000-02-29T00:00:00Z'],
    note: 'accepts Feb 29 in a year divisible by 400',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2023-02-29T00:00:00Z'],
    want: 'error',
    note: 'rejects Feb 29 in a common year',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['1900-02-29T00:00:00Z'],
    want: 'error',
    note: 'rejects Feb 29 in a century year not divisible by 400',
  },
  { builtin: 'time.parse_rfc3339_ns', args: ['2024-01-01T24:00:00Z'], want: 'error', note: 'rejects hour 24' },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2024-01-01T00:00:00'],
    want: 'error',
    note: 'rejects a timestamp without a zone',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2024-01-01t00:00:00z'],
    want: 'error',
    note: 'rejects lower-case t and z',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2024-01-01T00:00:00,5Z'],
    note: 'accepts a comma before the fraction (Go falls back to its general parser)',
  },
  { builtin: 'time.parse_rfc3339_ns', args: ['2024-01-01T00:00:00+24:00'], note: 'accepts a +24:00 offset as Go does' },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2024-01-01T00:00:00.1234567891234Z'],
    note: 'truncates fractions beyond nanoseconds',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['1969-12-31T23:59:59.999999999Z'],
    note: 'returns negative nanoseconds before the epoch',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['1677-09-21T00:12:43.145224192Z'],
    note: 'reaches the smallest int64 nanosecond',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['1677-09-21T00:12:43.145224191Z'],
    want: 'error',
    note: 'rejects one nanosecond before the int64 range',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2262-04-11T23:47:16.854775807Z'],
    note: 'reaches the largest int64 nanosecond',
  },
  {
    builtin: 'time.parse_rfc3339_ns',
    args: ['2262-04-11T23:47:16.854775808Z'],
    want: 'error',
    note: 'rejects one nanosecond past the int64 range',
  },
  { builtin: 'time.parse_rfc3339_ns', args: [''], want: 'error', note: 'rejects the empty string' },
  { builtin: 'time.parse_rfc3339_ns', args: [123], want: 'error', note: 'rejects a number' },

  // time.parse_ns
  { builtin: 'time.parse_ns', args: ['2006-01-02', '2020-12-01'], note: 'parses a date-only layout' },
  { builtin: 'time.parse_ns', args: ['2006-01-02', '2020-13-01'], want: 'error', note: 'rejects month 13' },
  { builtin: 'time.parse_ns', args: ['RFC822', '02 Jan 06 15:04 MST'], note: 'accepts a named layout' },
  {
    builtin: 'time.parse_ns',
    args: ['RFC1123Z', 'Mon, 02 Jan 2006 15:04:05 -0700'],
    note: 'applies a numeric zone offset',
  },
  { builtin: 'time.parse_ns', args: ['ANSIC', 'Mon Jan  2 15:04:05 2006'], note: 'accepts a space-padded day' },
  {
    builtin: 'time.parse_ns',
    args: ['UnixDate', 'Mon Jan  2 15:04:05 PST 2006'],
    note: 'reads an unknown zone abbreviation as offset zero (TZ=UTC)',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 MST', '2024-01-01 GMT+3'],
    note: 'reads GMT+3 as a name, not an offset',
  },
  {
    builtin: 'time.parse_ns',
    args: ['Jan _2 15:04:05.000', 'Feb  3 04:05:06.789'],
    want: 'error',
    note: 'rejects a layout without a year (year 0 is out of range)',
  },
  { builtin: 'time.parse_ns', args: ['2006-01-02 3:04PM', '2024-07-04 12:30AM'], note: 'reads 12 AM as midnight' },
  { builtin: 'time.parse_ns', args: ['2006-01-02 3:04pm', '2024-07-04 12:30pm'], note: 'reads 12 pm as noon' },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 3:04PM', '2024-07-04 1:30pm'],
    want: 'error',
    note: 'requires the case the layout uses for PM',
  },
  { builtin: 'time.parse_ns', args: ['2006-002', '2024-060'], note: 'reads day 60 of a leap year as Feb 29' },
  { builtin: 'time.parse_ns', args: ['2006-002', '2023-366'], want: 'error', note: 'rejects day 366 of a common year' },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 __2', '2024-03-01  61'],
    note: 'checks a day of year against the date',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 002', '2024-03-02 061'],
    want: 'error',
    note: 'rejects a day of year that contradicts the date',
  },
  { builtin: 'time.parse_ns', args: ['06-01-02', '69-01-01'], note: 'reads two-digit year 69 as 1969' },
  { builtin: 'time.parse_ns', args: ['06-01-02', '68-01-01'], note: 'reads two-digit year 68 as 2068' },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04:05 -07:00:00', '2024-01-01 10:00:00 +01:30:15'],
    note: 'applies an offset with seconds',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04:05 -07', '2024-01-01 00:00:00 +05'],
    note: 'applies an hours-only offset',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04:05.000', '2024-01-01 10:00:00.5'],
    want: 'error',
    note: 'requires exactly the fraction digits .000 asks for',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04:05.999', '2024-01-01 10:00:00.5'],
    note: 'accepts fewer fraction digits for .999',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04:05', '2024-01-01 10:00:00.123'],
    note: 'accepts a fraction the layout does not mention',
  },
  {
    builtin: 'time.parse_ns',
    args: ['Monday, January 2, 2006', 'Monday, March 1, 2024'],
    note: 'checks the weekday only for syntax',
  },
  { builtin: 'time.parse_ns', args: ['2006', '2024x'], want: 'error', note: 'rejects extra text' },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02', ' 2024-01-01'],
    want: 'error',
    note: 'rejects a leading space the layout lacks',
  },
  { builtin: 'time.parse_ns', args: ['2006  01', '2024 01'], note: 'treats runs of spaces in the layout as one' },
  { builtin: 'time.parse_ns', args: ['15:04 2006', '25:00 2024'], want: 'error', note: 'rejects hour 25' },
  { builtin: 'time.parse_ns', args: ['Date: 2006-01-02', 'Date: 2024-05-06'], note: 'matches literal layout text' },
  { builtin: 'time.parse_ns', args: ['', ''], want: 'error', note: 'rejects the empty layout (year 0)' },
  { builtin: 'time.parse_ns', args: ['2006-01-02', 20240101], want: 'error', note: 'rejects a number as the value' },

  // time.parse_duration_ns
  { builtin: 'time.parse_duration_ns', args: ['1h30m'], note: 'adds units' },
  { builtin: 'time.parse_duration_ns', args: ['-1.5h'], note: 'parses a negative fractional duration' },
  { builtin: 'time.parse_duration_ns', args: ['300ms'], note: 'parses milliseconds' },
  { builtin: 'time.parse_duration_ns', args: ['1us'], note: 'parses us' },
  { builtin: 'time.parse_duration_ns', args: ['1µs'], note: 'parses the micro sign' },
  { builtin: 'time.parse_duration_ns', args: ['1μs'], note: 'parses the Greek mu' },
  { builtin: 'time.parse_duration_ns', args: ['0'], note: 'accepts a bare zero' },
  { builtin: 'time.parse_duration_ns', args: ['-0'], note: 'accepts a signed zero' },
  { builtin: 'time.parse_duration_ns', args: ['1'], want: 'error', note: 'rejects a number without a unit' },
  { builtin: 'time.parse_duration_ns', args: ['1x'], want: 'error', note: 'rejects an unknown unit' },
  { builtin: 'time.parse_duration_ns', args: [''], want: 'error', note: 'rejects the empty string' },
  { builtin: 'time.parse_duration_ns', args: ['.5s'], note: 'accepts a fraction without a whole part' },
  { builtin: 'time.parse_duration_ns', args: ['1.s'], note: 'accepts a trailing point' },
  { builtin: 'time.parse_duration_ns', args: ['.s'], want: 'error', note: 'rejects a point without digits' },
  { builtin: 'time.parse_duration_ns', args: ['1h-1m'], want: 'error', note: 'rejects a sign inside the sequence' },
  { builtin: 'time.parse_duration_ns', args: ['9223372036854775807ns'], note: 'reaches the int64 maximum' },
  {
    builtin: 'time.parse_duration_ns',
    args: ['9223372036854775808ns'],
    want: 'error',
    note: 'rejects one past the int64 maximum',
  },
  { builtin: 'time.parse_duration_ns', args: ['-9223372036854775808ns'], note: 'reaches the int64 minimum' },
  {
    builtin: 'time.parse_duration_ns',
    args: ['2562047h47m16.854775807s'],
    note: 'sums to the int64 maximum across units',
  },
  { builtin: 'time.parse_duration_ns', args: ['1.0000000001h'], note: 'rounds fractional hours as Go float64 does' },
  {
    builtin: 'time.parse_duration_ns',
    args: ['3.33333333333333333333333s'],
    note: 'stops accumulating fraction digits on overflow',
  },
  { builtin: 'time.parse_duration_ns', args: ['1.5d'], note: 'accepts days (OPA extension)' },
  { builtin: 'time.parse_duration_ns', args: ['1w1d2h'], note: 'accepts weeks with other units' },
  { builtin: 'time.parse_duration_ns', args: ['-1.5y'], note: 'accepts negative years of 365 days' },
  { builtin: 'time.parse_duration_ns', args: ['292y'], note: 'accepts the largest whole number of years' },
  { builtin: 'time.parse_duration_ns', args: ['293y'], want: 'error', note: 'rejects years beyond int64' },
  {
    builtin: 'time.parse_duration_ns',
    args: ['-106751d23h47m16.854775808s'],
    note: 'reaches the int64 minimum with days',
  },
  {
    builtin: 'time.parse_duration_ns',
    args: ['0.000000000001d'],
    note: 'truncates a fraction of a day as Go float64 does',
  },
  {
    builtin: 'time.parse_duration_ns',
    args: ['1μs1d'],
    want: 'error',
    note: 'rejects the Greek mu once days are involved',
  },
  { builtin: 'time.parse_duration_ns', args: ['1d 1h'], want: 'error', note: 'rejects spaces' },
  { builtin: 'time.parse_duration_ns', args: ['1d1x'], want: 'error', note: 'rejects an unknown unit next to days' },
  { builtin: 'time.parse_duration_ns', args: ['1D'], want: 'error', note: 'rejects an upper-case D' },
  { builtin: 'time.parse_duration_ns', args: ['1..5d'], want: 'error', note: 'rejects two points' },
  { builtin: 'time.parse_duration_ns', args: [5], want: 'error', note: 'rejects a number' },

  // time.format
  { builtin: 'time.format', args: [0], note: 'formats the epoch as RFC 3339 in UTC' },
  { builtin: 'time.format', args: [NS_2023], note: 'keeps nanoseconds beyond 2^53 exact' },
  { builtin: 'time.format', args: [-1], note: 'formats one nanosecond before the epoch' },
  { builtin: 'time.format', args: [[NS_2023, 'America/New_York']], note: 'formats in a named zone' },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Asia/Kolkata', '2006-01-02T15:04:05Z07:00']],
    note: 'formats a half-hour offset',
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Europe/Berlin', 'RFC1123']],
    note: 'prints a European zone abbreviation',
  },
  {
    builtin: 'time.format',
    args: [[DST_EVE + 86_400_000_000_000n, 'America/New_York', 'RFC1123']],
    note: 'prints the daylight-saving abbreviation',
  },
  { builtin: 'time.format', args: [[NS_2023, 'US/Eastern', 'RFC850']], note: 'accepts a zone alias' },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Etc/GMT+5', '2006-01-02 15:04 -0700']],
    note: 'reads Etc/GMT+5 as five hours west',
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, '', 'Monday, 02-Jan-06 03:04:05.000 PM -0700 MST']],
    note: 'formats with an empty zone as UTC',
  },
  {
    builtin: 'time.format',
    args: [[LEAP_DAY, 'UTC', '2006-01-02 __2 002 _2 1 3 03 4 5 .999 ,000000 pm Z0700 Z07 -07:00:00 Z070000']],
    note: 'formats every numeric element',
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Asia/Kathmandu', 'Z07:00 -0700 -07 Z070000']],
    note: 'formats a 45-minute offset',
  },
  {
    builtin: 'time.format',
    args: [[Y1811, 'America/New_York', '2006-01-02T15:04:05 -07:00:00 Z07:00']],
    note: 'uses local mean time before standard time',
  },
  {
    builtin: 'time.format',
    args: [[-6_816_653_251_275_664_539n, 'Africa/Accra', '-07:00:00 MST']],
    note: "prints Go's +00:00:-52 for a -52 s offset",
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Asia/Tokyo', 'RFC1123']],
    note: 'prints the tz database abbreviation (JST)',
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'Asia/Dubai', 'RFC1123']],
    note: 'prints a numeric abbreviation where the tz database has no name',
  },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'UTC', 'January Jan Monday Mon _2006 2006 06']],
    note: 'formats names and years',
  },
  { builtin: 'time.format', args: [[NS_2023, 'UTC', 'RFC3339Nano']], note: 'accepts RFC3339Nano by name' },
  { builtin: 'time.format', args: [[NS_2023, 'UTC', 'hello']], note: 'echoes text that is not a layout element' },
  { builtin: 'time.format', args: [INT64_MAX], note: 'formats the largest int64 timestamp' },
  { builtin: 'time.format', args: [INT64_MIN], note: 'formats the smallest int64 timestamp' },
  { builtin: 'time.format', args: [[NS_2023, 'Nowhere/City']], want: 'error', note: 'rejects an unknown zone' },
  {
    builtin: 'time.format',
    args: [[NS_2023, 'america/new_york']],
    want: 'error',
    note: 'rejects a zone name in the wrong case',
  },
  { builtin: 'time.format', args: [[NS_2023, '+05:00']], want: 'error', note: 'rejects an offset as a zone name' },
  { builtin: 'time.format', args: [1.5], want: 'error', note: 'rejects a fractional timestamp' },
  { builtin: 'time.format', args: [1e19], want: 'error', note: 'rejects a timestamp beyond int64' },
  { builtin: 'time.format', args: [[]], want: 'error', note: 'rejects an empty array' },
  { builtin: 'time.format', args: ['2024-01-01'], want: 'error', note: 'rejects a string' },
  { builtin: 'time.format', args: [[NS_2023, 5]], want: 'error', note: 'rejects a non-string zone' },

  // time.date, time.clock, time.weekday
  { builtin: 'time.date', args: [NS_2023], note: 'returns year, month, day in UTC' },
  { builtin: 'time.date', args: [[NS_2023, 'Pacific/Kiritimati']], note: 'moves to the next day in UTC+14' },
  { builtin: 'time.date', args: [LEAP_DAY], note: 'returns a leap day' },
  { builtin: 'time.date', args: [-1], note: 'returns Dec 31 1969 one nanosecond before the epoch' },
  { builtin: 'time.date', args: [INT64_MIN], note: 'handles the smallest timestamp' },
  { builtin: 'time.date', args: [[NS_2023, 'Bad/Zone']], want: 'error', note: 'rejects an unknown zone' },
  { builtin: 'time.clock', args: [NS_2023], note: 'returns hour, minute, second in UTC' },
  { builtin: 'time.clock', args: [[NS_2023, 'Asia/Kolkata']], note: 'applies a half-hour offset' },
  { builtin: 'time.clock', args: [-1], note: 'returns 23:59:59 one nanosecond before the epoch' },
  { builtin: 'time.clock', args: [true], want: 'error', note: 'rejects a boolean' },
  { builtin: 'time.weekday', args: [0], note: 'the epoch was a Thursday' },
  { builtin: 'time.weekday', args: [LEAP_DAY], note: 'Feb 29 2024 was a Thursday' },
  {
    builtin: 'time.weekday',
    args: [[NS_2023, 'Pacific/Kiritimati']],
    note: 'is Wednesday in UTC+14 when Tuesday in UTC',
  },
  { builtin: 'time.weekday', args: [[INT64_MIN, 'UTC']], note: 'handles the smallest timestamp' },

  // time.add_date
  { builtin: 'time.add_date', args: [JAN_31, 0, 1, 0], note: 'normalises Feb 31 to Mar 2 in a leap year' },
  { builtin: 'time.add_date', args: [LEAP_DAY, 1, 0, 0], note: 'normalises Feb 29 next year to Mar 1' },
  { builtin: 'time.add_date', args: [NS_2023, 0, -13, 0], note: 'subtracts months across a year' },
  { builtin: 'time.add_date', args: [NS_2023, 0, 0, -400], note: 'subtracts days' },
  {
    builtin: 'time.add_date',
    args: [[DST_EVE, 'America/New_York'], 0, 0, 1],
    note: 'keeps the wall clock across a DST change',
  },
  {
    builtin: 'time.add_date',
    args: [[DST_EVE + 5n * 3_600_000_000_000n, 'America/New_York'], 0, 0, 1],
    note: 'resolves a skipped wall time as Go does',
  },
  {
    builtin: 'time.add_date',
    args: [INT64_MAX, 0, 0, 1],
    want: 'error',
    note: 'rejects a result past the int64 range',
  },
  { builtin: 'time.add_date', args: [NS_2023, 300, 0, 0], want: 'error', note: 'rejects a result after 2262' },
  { builtin: 'time.add_date', args: [NS_2023, 1.5, 0, 0], want: 'error', note: 'rejects fractional years' },
  { builtin: 'time.add_date', args: [NS_2023, 0, '1', 0], want: 'error', note: 'rejects a string month count' },

  // time.diff
  { builtin: 'time.diff', args: [0, NS_2023], note: 'counts years to seconds from the epoch' },
  { builtin: 'time.diff', args: [NS_2023, 0], note: 'orders its operands' },
  { builtin: 'time.diff', args: [NS_2023, NS_2023], note: 'is all zeros for one instant' },
  {
    builtin: 'time.diff',
    args: [JAN_31, JAN_31 + 30n * 86_400_000_000_000n],
    note: 'borrows the days of the first month',
  },
  {
    builtin: 'time.diff',
    args: [
      [NS_2023, 'America/New_York'],
      [LEAP_DAY, 'Europe/Berlin'],
    ],
    note: "compares in the first operand's zone",
  },
  { builtin: 'time.diff', args: [LEAP_DAY, LEAP_DAY + 365n * 86_400_000_000_000n], note: 'counts a leap year' },
  { builtin: 'time.diff', args: ['x', 0], want: 'error', note: 'rejects a string' },
];

/** Cases for "Local": opa runs with TZ set, the host with the same localZone. */
const LOCAL_ZONE = 'America/New_York';
const LOCAL_CASES: BuiltinCase[] = [
  { builtin: 'time.format', args: [[NS_2023, 'Local']], note: 'formats in the local zone' },
  { builtin: 'time.date', args: [[1_700_020_000_000_000_000n, 'Local']], note: 'returns the local date' },
  { builtin: 'time.clock', args: [[NS_2023, 'Local']], note: 'returns the local clock' },
  {
    builtin: 'time.diff',
    args: [
      [NS_2023, 'Local'],
      [LEAP_DAY, 'UTC'],
    ],
    note: 'diffs in the local zone',
  },
  { builtin: 'time.parse_rfc3339_ns', args: ['2024-01-01T00:00:00-05:00'], note: "parses an offset equal to Local's" },
  {
    builtin: 'time.parse_ns',
    args: ['UnixDate', 'Tue Jan  2 15:04:05 EST 2024'],
    note: 'applies a zone abbreviation Local uses (EST)',
  },
  {
    builtin: 'time.parse_ns',
    args: ['UnixDate', 'Thu Jul  4 15:04:05 EDT 2024'],
    note: 'applies the daylight abbreviation (EDT)',
  },
  {
    builtin: 'time.parse_ns',
    args: ['UnixDate', 'Thu Jul  4 15:04:05 EST 2024'],
    note: 'applies EST in summer too, as Go does',
  },
  {
    builtin: 'time.parse_ns',
    args: ['UnixDate', 'Thu Jul  4 15:04:05 PST 2024'],
    note: 'reads an abbreviation Local does not use as offset zero',
  },
  {
    builtin: 'time.parse_ns',
    args: ['2006-01-02 15:04 MST', '1880-01-01 12:00 LMT'],
    note: "applies Local's local mean time",
  },
];

function assertSame(host: Outcome, opa: Outcome, c: BuiltinCase): void {
  assert.equal(host.kind, opa.kind, `host ended with ${JSON.stringify(host)}, OPA with ${JSON.stringify(opa)}`);
  assert.equal(opa.kind, c.want ?? 'value', `OPA ended with ${opa.kind}; the table says ${c.want ?? 'value'}`);
  if (host.kind === 'value' && opa.kind === 'value') assert.equal(host.json, opa.json);
  if (host.kind === 'error' && opa.kind === 'error') assert.ok(host.message.startsWith(`${c.builtin}: `), host.message);
}

function specify(title: string, cases: BuiltinCase[], localZone: string, env: NodeJS.ProcessEnv): void {
  describe(title, () => {
    let opa: Outcome[] = [];
    before(async () => {
      opa = await evaluateWithOpa(cases, env);
    });
    const host = createBuiltins({ localZone });
    for (const [builtin, group] of Map.groupBy(cases.entries(), ([, c]) => c.builtin)) {
      describe(builtin, () => {
        for (const [i, c] of group) {
          it(c.note, () => {
            host.beginEvaluation();
            assertSame(runHost(host.functions[c.builtin], c.args), opa[i]!, c);
          });
        }
      });
    }
  });
}

specify('time builtins agree with opa eval (TZ=UTC)', CASES, 'UTC', { TZ: 'UTC' });
specify(`time builtins agree with opa eval in "Local" (TZ=${LOCAL_ZONE})`, LOCAL_CASES, LOCAL_ZONE, { TZ: LOCAL_ZONE });

describe('time.now_ns', () => {
  it('reads the clock once per evaluation, as OPA does', () => {
    let ticks = 0n;
    const host = createBuiltins({ now: () => 1_700_000_000_000_000_000n + ++ticks });
    host.beginEvaluation();
    const first = host.functions['time.now_ns']!();
    assert.deepEqual(host.functions['time.now_ns']!(), first);
    host.beginEvaluation();
    assert.notDeepEqual(host.functions['time.now_ns']!(), first);
    assert.equal(ticks, 2n);
  });

  it('returns nanoseconds beyond 2^53 as exact JSON digits', () => {
    const host = createBuiltins({ now: () => 1_700_000_000_123_456_789n });
    host.beginEvaluation();
    assert.equal(JSON.stringify(host.functions['time.now_ns']!()), '1700000000123456789');
  });

  it('defaults to the wall clock', () => {
    const host = createBuiltins();
    host.beginEvaluation();
    const ns = BigInt(JSON.stringify(host.functions['time.now_ns']!()));
    assert.ok(ns / 1_000_000n - BigInt(Date.now()) <= 0n && BigInt(Date.now()) - ns / 1_000_000n < 60_000n);
  });
});

describe('builtin failures', () => {
  it('throw BuiltinError naming the builtin, with OPA-style text', () => {
    const host = createBuiltins({ localZone: 'UTC' });
    assert.throws(
      () => host.functions['time.parse_ns']!('2006-01-02', '2020-13-01'),
      (err: unknown) =>
        err instanceof BuiltinError &&
        err.builtin === 'time.parse_ns' &&
        err.message === 'time.parse_ns: parsing time "2020-13-01": month out of range',
    );
  });

  it("report operand type errors with OPA's code", () => {
    const host = createBuiltins({ localZone: 'UTC' });
    assert.throws(
      () => host.functions['time.date']!('x'),
      (err: unknown) => err instanceof BuiltinError && err.code === 'eval_type_error' && err.name === 'BuiltinError',
    );
  });
});
