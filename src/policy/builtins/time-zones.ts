/**
 * Time zones for the time builtins, as Go's `time.LoadLocation` resolves them in OPA: "" and
 * "UTC" are UTC, "Local" is the host's zone, anything else an IANA name, read from the same
 * tz database files Go reads (tzif.ts), so offsets and abbreviations match OPA's.
 *
 * Where no zoneinfo file exists (e.g. a distroless image; OPA then uses its embedded copy),
 * offsets come from ICU through `Intl`, which agrees with the tz database; abbreviations (the
 * `MST` layout element) then come from ICU's English names where it has one (US and European
 * zones) and from the tz database's numeric form (`+09`) elsewhere, where Go may print `JST`.
 */
import { OperandError } from './builtin-error.ts';
import { loadTzif } from './tzif.ts';

/** A location: its offset from UTC and its abbreviation at any instant. */
export interface Zone {
  /** Identity, as Go compares `*time.Location` pointers in time.diff. */
  readonly key: string;
  /** Seconds east of UTC in effect at `unixSeconds`. */
  offsetAt(unixSeconds: number): number;
  /** The zone's abbreviation in effect at `unixSeconds` (`UTC`, `EST`, `CEST`, `+09`). */
  abbreviationAt(unixSeconds: number): string;
  /** Offset of abbreviation `name` near `unixSeconds` if the zone uses it (Go's `lookupName`). */
  lookupName(name: string, unixSeconds: number): number | undefined;
}

/** Coordinated Universal Time. */
export const UTC_ZONE: Zone = {
  key: 'UTC',
  offsetAt: () => 0,
  abbreviationAt: () => 'UTC',
  lookupName: (name) => (name === 'UTC' ? 0 : undefined),
};

/** The host's IANA zone name, which "Local" means unless configured otherwise. */
export function hostZoneName(): string {
  return new Intl.DateTimeFormat('en-US').resolvedOptions().timeZone;
}

const zones = new Map<string, Zone>();

/** Resolves a zone name as OPA does; throws Go's error text for unknown or malformed names. */
export function resolveZone(name: string, localZoneName: string): Zone {
  if (name === '' || name === 'UTC') return UTC_ZONE;
  if (name === 'Local') return localZone(localZoneName);
  const cached = zones.get(name);
  if (cached !== undefined) return cached;
  const zone = loadZone(name, name);
  if (zones.size >= MAX_CACHED_ZONES) zones.clear();
  zones.set(name, zone);
  return zone;
}

const MAX_CACHED_ZONES = 1000;

function loadZone(name: string, key: string): Zone {
  checkZoneName(name);
  const tzif = loadTzif(name);
  if (tzif === undefined) return intlZone(name, key);
  return {
    key,
    offsetAt: (sec) => tzif.lookup(sec).offset,
    abbreviationAt: (sec) => tzif.lookup(sec).name,
    lookupName: (abbreviation, sec) => tzif.lookupName(abbreviation, sec),
  };
}

function localZone(localZoneName: string): Zone {
  const key = `Local:${localZoneName}`;
  let zone = zones.get(key);
  if (zone === undefined) {
    zone = loadZone(localZoneName, 'Local');
    zones.set(key, zone);
  }
  return zone;
}

/** Go rejects names that could escape the zoneinfo tree; ICU accepts offsets Go does not. */
function checkZoneName(name: string): void {
  if (name.startsWith('/') || name.startsWith('\\') || name.includes('..')) {
    throw new OperandError('time: invalid location name');
  }
}

function intlZone(name: string, key: string): Zone {
  // ICU also accepts offsets such as "+05:00", which Go does not.
  if (!/^[A-Za-z]/.test(name)) throw new OperandError(`unknown time zone ${name}`);
  let wall: Intl.DateTimeFormat;
  try {
    wall = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new OperandError(`unknown time zone ${name}`);
  }
  const resolved = wall.resolvedOptions().timeZone;
  // ICU ignores case; Go looks the name up as a file, so "america/new_york" is unknown there.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) {
    throw new OperandError(`unknown time zone ${name}`);
  }
  const names = [
    new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' }),
    new Intl.DateTimeFormat('en-GB', { timeZone: name, timeZoneName: 'short' }),
  ];
  const offsetAt = (unixSeconds: number): number => wallClockOffset(wall, unixSeconds);
  return {
    key,
    offsetAt,
    // ICU has no list of a zone's abbreviations.
    lookupName: () => undefined,
    abbreviationAt(unixSeconds: number): string {
      const date = new Date(unixSeconds * 1000);
      for (const format of names) {
        const part = format.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
        if (/^[A-Z]{3,5}$/.test(part)) return part;
      }
      return numericAbbreviation(offsetAt(unixSeconds));
    },
  };
}

/** The offset at an instant: the zone's wall clock read as UTC, minus the instant. */
function wallClockOffset(format: Intl.DateTimeFormat, unixSeconds: number): number {
  const fields: Record<string, number> = {};
  let bc = false;
  for (const part of format.formatToParts(new Date(unixSeconds * 1000))) {
    if (part.type === 'era') bc = part.value.startsWith('B');
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = bc ? 1 - (fields['year'] ?? 0) : (fields['year'] ?? 0);
  const asUtc = Date.UTC(
    year,
    (fields['month'] ?? 1) - 1,
    fields['day'] ?? 1,
    fields['hour'] ?? 0,
    fields['minute'] ?? 0,
    fields['second'] ?? 0,
  );
  return Math.round(asUtc / 1000) - unixSeconds;
}

/** The tz database's abbreviation for zones without a name: `+09`, `-0330`, `+0545`. */
function numericAbbreviation(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const minutes = Math.trunc(Math.abs(offsetSeconds) / 60);
  const hh = String(Math.trunc(minutes / 60)).padStart(2, '0');
  const mm = minutes % 60;
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}
