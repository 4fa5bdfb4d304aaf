/**
 * The `format` keyword: a port of format_checkers.go (FormatCheckers and each checker) over
 * regent's ports of the Go functions they call: time.Parse (go-time-parse.ts), net.ParseIP
 * (net.ts), url.Parse (go-url.ts), regexp (RE2 via re2js) and net/mail.ParseAddress
 * (mail-address.ts). An unknown format, or a value that is not a string, passes.
 */
import { compileRe2 } from '../go-regexp-replace.ts';
import { RFC3339, RFC3339_NANO } from '../go-time-layout.ts';
import { parseTime } from '../go-time-parse.ts';
import { parseGoUrl, type GoUrl } from '../go-url.ts';
import { parseIp } from '../net.ts';
import { UTC_ZONE } from '../time-zones.ts';
import { isMailAddress } from './mail-address.ts';
import type { JsonValue } from './values.ts';

const RX_HOSTNAME =
  '^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9]))*$';
const RX_URI_TEMPLATE = '^([^{]*({[^}]*})?)*$';
const RX_UUID = '^(?i)[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$';
const RX_JSON_POINTER = '^(?:/(?:[^~/]|~0|~1)*)*$';
const RX_REL_JSON_POINTER = '^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$';

const matchString = (pattern: string, s: string): boolean => compileRe2(pattern).re.matcher(s).find();

function parses(layout: string, s: string): boolean {
  try {
    parseTime(layout, s, UTC_ZONE);
    return true;
  } catch {
    return false;
  }
}

function parseUrl(s: string): GoUrl | undefined {
  try {
    return parseGoUrl(Buffer.from(s, 'utf8').toString('latin1'));
  } catch {
    return undefined;
  }
}

const CHECKERS: Readonly<Record<string, (s: string) => boolean>> = {
  date: (s) => parses('2006-01-02', s),
  time: (s) => parses('15:04:05Z07:00', s) || parses('15:04:05', s),
  'date-time': (s) => ['15:04:05', '15:04:05Z07:00', '2006-01-02', RFC3339, RFC3339_NANO].some((l) => parses(l, s)),
  hostname: (s) => matchString(RX_HOSTNAME, s) && Buffer.byteLength(s, 'utf8') < 256,
  email: isMailAddress,
  'idn-email': isMailAddress,
  ipv4: (s) => parseIp(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIp(s) !== undefined && s.includes(':'),
  uri: (s) => {
    const u = parseUrl(s);
    return u !== undefined && u.Scheme !== '' && !s.includes('\\');
  },
  'uri-reference': (s) => parseUrl(s) !== undefined && !s.includes('\\'),
  iri: (s) => {
    const u = parseUrl(s);
    return u !== undefined && u.Scheme !== '' && !s.includes('\\');
  },
  'iri-reference': (s) => parseUrl(s) !== undefined && !s.includes('\\'),
  'uri-template': (s) => {
    const u = parseUrl(s);
    if (u === undefined || s.includes('\\')) return false;
    return matchString(RX_URI_TEMPLATE, Buffer.from(u.Path, 'latin1').toString('utf8'));
  },
  uuid: (s) => matchString(RX_UUID, s),
  regex: (s) => {
    if (s === '') return true;
    try {
      compileRe2(s);
      return true;
    } catch {
      return false;
    }
  },
  'json-pointer': (s) => matchString(RX_JSON_POINTER, s),
  'relative-json-pointer': (s) => matchString(RX_REL_JSON_POINTER, s),
};

/** format_checkers.go FormatCheckerChain.IsFormat: unknown formats and non-strings pass. */
export function isFormat(name: string, value: JsonValue): boolean {
  const checker = Object.hasOwn(CHECKERS, name) ? CHECKERS[name] : undefined;
  if (checker === undefined || typeof value !== 'string') return true;
  return checker(value);
}
