/**
 * Zones from the system tz database, read as Go reads them: TZif files under the directories
 * Go's `time.LoadLocation` searches, looked up with Go's rules (first-zone choice before the
 * first transition, the POSIX TZ footer after the last). Offsets and abbreviations then match
 * OPA's exactly whenever OPA reads the same files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The zone in effect at an instant. */
export interface ZoneInfo {
  name: string;
  offset: number;
}

/** A zone loaded from a TZif file. */
export interface TzifZone {
  lookup(unixSeconds: number): ZoneInfo;
  /** Go's `lookupName`: the offset of abbreviation `name` near `unixSeconds`, if the zone uses it. */
  lookupName(name: string, unixSeconds: number): number | undefined;
}

/** Where Go's LoadLocation looks on Unix systems, in order. */
export const ZONEINFO_DIRS = [
  '/usr/share/zoneinfo/',
  '/usr/share/lib/zoneinfo/',
  '/usr/lib/locale/TZ/',
  '/etc/zoneinfo/',
];

interface ZoneType {
  name: string;
  offset: number;
  isDST: boolean;
}

interface Transition {
  when: number;
  index: number;
}

const ALPHA = -(2 ** 63);
const SECONDS_PER_DAY = 86_400;

/** Reads `name` from the first zoneinfo directory that has a valid TZif file for it. */
export function loadTzif(name: string, dirs: readonly string[] = ZONEINFO_DIRS): TzifZone | undefined {
  for (const dir of dirs) {
    let data: Buffer;
    try {
      data = readFileSync(path.join(dir, name));
    } catch {
      continue;
    }
    const zone = parseTzif(data);
    if (zone !== undefined) return zone;
  }
  return undefined;
}

/** Parses TZif data (versions 1-4); undefined when malformed. */
export function parseTzif(data: Buffer): TzifZone | undefined {
  if (data.length < 44 || data.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = data[4] === 0 ? 1 : Number(String.fromCharCode(data[4] ?? 0x31));
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => data.readUInt32BE(at + 20 + i * 4));
  let at = 0;
  let [isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0] = counts(at);
  let timeSize = 4;
  if (version > 1) {
    at = 44 + timecnt * 4 + timecnt + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    if (data.length < at + 44 || data.toString('latin1', at, at + 4) !== 'TZif') return undefined;
    [isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0] = counts(at);
    timeSize = 8;
  }
  let p = at + 44;
  const need = timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt;
  if (typecnt === 0 || data.length < p + need) return undefined;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++, p += timeSize)
    times.push(timeSize === 8 ? Number(data.readBigInt64BE(p)) : data.readInt32BE(p));
  const indices = [...data.subarray(p, p + timecnt)];
  p += timecnt;
  const typeBytes = data.subarray(p, p + typecnt * 6);
  p += typecnt * 6;
  const abbrev = data.subarray(p, p + charcnt);
  p += charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt;
  const zones: ZoneType[] = [];
  for (let i = 0; i < typecnt; i++) {
    const nameIndex = typeBytes[i * 6 + 5] ?? 0;
    if (nameIndex >= abbrev.length) return undefined;
    const end = abbrev.indexOf(0, nameIndex);
    zones.push({
      offset: typeBytes.readInt32BE(i * 6),
      isDST: typeBytes[i * 6 + 4] !== 0,
      name: abbrev.toString('latin1', nameIndex, end < 0 ? abbrev.length : end),
    });
  }
  const tx: Transition[] = times.map((when, i) => ({ when, index: indices[i] ?? 0 }));
  if (tx.some((t) => t.index >= zones.length)) return undefined;
  // Go builds one transition covering all time for fixed zones such as Etc/GMT+5.
  if (tx.length === 0) tx.push({ when: ALPHA, index: 0 });
  const rest = data.toString('latin1', p);
  const extend =
    version > 1 && rest.length > 2 && rest.startsWith('\n') && rest.endsWith('\n') ? rest.slice(1, -1) : '';
  const fallback: ZoneType = zones[0] ?? { name: 'UTC', offset: 0, isDST: false };
  const firstZone = zones[lookupFirstZone(zones, tx)] ?? fallback;
  const zone: TzifZone = {
    lookup(sec: number): ZoneInfo {
      if (sec < (tx[0]?.when ?? ALPHA)) return firstZone;
      let lo = 0;
      let hi = tx.length;
      while (hi - lo > 1) {
        const m = (lo + hi) >>> 1;
        if (sec < (tx[m]?.when ?? 0)) hi = m;
        else lo = m;
      }
      const found = zones[tx[lo]?.index ?? 0] ?? fallback;
      if (lo === tx.length - 1 && extend !== '') {
        const fromRule = tzset(extend, sec);
        if (fromRule !== undefined) return fromRule;
      }
      return found;
    },
    lookupName(name: string, sec: number): number | undefined {
      // Prefer a zone of that name in effect at the time (Sydney once used "EST" for both).
      for (const z of zones) {
        if (z.name === name && zone.lookup(sec - z.offset).name === z.name) return zone.lookup(sec - z.offset).offset;
      }
      return zones.find((z) => z.name === name)?.offset;
    },
  };
  return zone;
}

/** Go's choice of zone for instants before the first transition. */
function lookupFirstZone(zones: ZoneType[], tx: Transition[]): number {
  if (!tx.some((t) => t.index === 0)) return 0;
  const first = tx[0];
  if (first !== undefined && zones[first.index]?.isDST === true) {
    for (let zi = first.index - 1; zi >= 0; zi--) if (zones[zi]?.isDST === false) return zi;
  }
  const standard = zones.findIndex((z) => !z.isDST);
  return standard >= 0 ? standard : 0;
}

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
function tzset(spec: string, sec: number): ZoneInfo | undefined {
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
