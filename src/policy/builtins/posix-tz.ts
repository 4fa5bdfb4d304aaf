/**
 * POSIX TZ rules ("EST5EDT,M3.2.0,M11.1.0"), which TZif files carry as a footer for instants
 * after their last transition, evaluated as Go's `tzset` does (same rule forms, same defaults,
 * same southern-hemisphere swap).
 */
import type { ZoneInfo } from './tzif.ts';

const SECONDS_PER_DAY = 86_400;

/** Go's `tzsetNum`: digits in [min, max]. */
function tzsetNum(s: string, min: number, max: number): [number, string] | undefined {
  let num = 0;
  let i = 0;
  for (; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) {
    num = num * 10 + (s.charCodeAt(i) - 48);
    if (num > max) return undefined;
  }
  if (i === 0 || num < min) return undefined;
  return [num, s.slice(i)];
}

function tzsetName(s: string): [string, string] | undefined {
  if (s.length === 0) return undefined;
  if (s[0] === '<') {
    const close = s.indexOf('>');
    return close < 0 ? undefined : [s.slice(1, close), s.slice(close + 1)];
  }
  const i = s.search(/[0-9,+-]/);
  if (i < 0) return s.length < 3 ? undefined : [s, ''];
  return i < 3 ? undefined : [s.slice(0, i), s.slice(i)];
}

function tzsetOffset(s: string): [number, string] | undefined {
  if (s.length === 0) return undefined;
  const neg = s[0] === '-';
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  const hours = tzsetNum(s, 0, 24 * 7);
  if (hours === undefined) return undefined;
  let off = hours[0] * 3600;
  s = hours[1];
  for (const scale of [60, 1]) {
    if (s[0] !== ':') break;
    const part = tzsetNum(s.slice(1), 0, 59);
    if (part === undefined) return undefined;
    off += part[0] * scale;
    s = part[1];
  }
  return [neg ? -off : off, s];
}

interface Rule {
  kind: 'julian' | 'doy' | 'mwd';
  day: number;
  week: number;
  mon: number;
  time: number;
}

function tzsetRule(s: string): [Rule, string] | undefined {
  const rule: Rule = { kind: 'doy', day: 0, week: 0, mon: 0, time: 7200 };
  if (s[0] === 'J') {
    const j = tzsetNum(s.slice(1), 1, 365);
    if (j === undefined) return undefined;
    [rule.day, s] = j;
    rule.kind = 'julian';
  } else if (s[0] === 'M') {
    const mon = tzsetNum(s.slice(1), 1, 12);
    if (mon === undefined || mon[1][0] !== '.') return undefined;
    const week = tzsetNum(mon[1].slice(1), 1, 5);
    if (week === undefined || week[1][0] !== '.') return undefined;
    const day = tzsetNum(week[1].slice(1), 0, 6);
    if (day === undefined) return undefined;
    Object.assign(rule, { kind: 'mwd', mon: mon[0], week: week[0], day: day[0] });
    s = day[1];
  } else {
    const d = tzsetNum(s, 0, 365);
    if (d === undefined) return undefined;
    [rule.day, s] = d;
  }
  if (s[0] !== '/') return [rule, s];
  const time = tzsetOffset(s.slice(1));
  if (time === undefined) return undefined;
  [rule.time, s] = time;
  return [rule, s];
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const daysIn = (m: number, y: number): number =>
  m === 2 && isLeap(y) ? 29 : (DAYS_BEFORE[m] ?? 0) - (DAYS_BEFORE[m - 1] ?? 0);

/** Go's `tzruleTime`: seconds after the start of `year` (UTC) at which the rule fires. */
function tzruleTime(year: number, r: Rule, off: number): number {
  let s: number;
  if (r.kind === 'julian') {
    s = (r.day - 1) * SECONDS_PER_DAY + (isLeap(year) && r.day >= 60 ? SECONDS_PER_DAY : 0);
  } else if (r.kind === 'doy') {
    s = r.day * SECONDS_PER_DAY;
  } else {
    const m1 = ((r.mon + 9) % 12) + 1;
    const yy0 = r.mon <= 2 ? year - 1 : year;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow = (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) + Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let d = r.day - dow;
    if (d < 0) d += 7;
    for (let i = 1; i < r.week; i++) {
      if (d + 7 >= daysIn(r.mon, year)) break;
      d += 7;
    }
    d += DAYS_BEFORE[r.mon - 1] ?? 0;
    if (isLeap(year) && r.mon > 2) d++;
    s = d * SECONDS_PER_DAY;
  }
  return s + r.time - off;
}

/** Go's `tzset`: the zone a POSIX TZ string gives at `sec`; undefined when it does not parse. */
export function tzset(spec: string, sec: number): ZoneInfo | undefined {
  const std = tzsetName(spec);
  if (std === undefined) return undefined;
  let [stdName, s] = std;
  const stdOff = tzsetOffset(s);
  if (stdOff === undefined) return undefined;
  let stdOffset = -stdOff[0];
  s = stdOff[1];
  if (s.length === 0 || s[0] === ',') return { name: stdName, offset: stdOffset };
  const dst = tzsetName(s);
  if (dst === undefined) return undefined;
  let [dstName, rest] = dst;
  let dstOffset: number;
  if (rest.length === 0 || rest[0] === ',') {
    dstOffset = stdOffset + 3600;
  } else {
    const o = tzsetOffset(rest);
    if (o === undefined) return undefined;
    dstOffset = -o[0];
    rest = o[1];
  }
  if (rest.length === 0) rest = ',M3.2.0,M11.1.0';
  if (rest[0] !== ',' && rest[0] !== ';') return undefined;
  const start = tzsetRule(rest.slice(1));
  if (start === undefined || start[1][0] !== ',') return undefined;
  const end = tzsetRule(start[1].slice(1));
  if (end === undefined || end[1].length > 0) return undefined;

  const days = Math.floor(sec / SECONDS_PER_DAY);
  const year = civilYear(days);
  const yearStartDays = daysFromYearStart(year);
  const ysec = sec - yearStartDays * SECONDS_PER_DAY;
  let startSec = tzruleTime(year, start[0], stdOffset);
  let endSec = tzruleTime(year, end[0], dstOffset);
  if (endSec < startSec) {
    [startSec, endSec] = [endSec, startSec];
    [stdName, dstName] = [dstName, stdName];
    [stdOffset, dstOffset] = [dstOffset, stdOffset];
  }
  if (ysec < startSec || ysec >= endSec) return { name: stdName, offset: stdOffset };
  return { name: dstName, offset: dstOffset };
}

/** Days from 1970-01-01 to January 1 of `year`. */
function daysFromYearStart(year: number): number {
  const y = year - 1;
  return 365 * (year - 1970) + (Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400)) - (492 - 19 + 4);
}

/** The Gregorian year containing a day count since 1970-01-01. */
function civilYear(days: number): number {
  let year = 1970 + Math.floor(days / 365.2425);
  while (daysFromYearStart(year) > days) year--;
  while (daysFromYearStart(year + 1) <= days) year++;
  return year;
}
