/**
 * Zones from the system tz database, read as Go reads them: TZif files under the directories
 * Go's `time.LoadLocation` searches, looked up with Go's rules (first-zone choice before the
 * first transition, the POSIX TZ footer after the last). Offsets and abbreviations then match
 * OPA's exactly whenever OPA reads the same files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tzset } from './posix-tz.ts';

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
