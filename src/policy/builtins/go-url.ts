/**
 * Go's net/url (Go 1.26) as far as crypto/x509 uses it for URI SANs: `url.Parse` into the fields
 * of `url.URL` (what encoding/json prints for Certificate.URIs) and `URL.String()` (what OPA
 * puts in URIStrings). Ported function by function from url.go; the escaping table is the one
 * gen_encoding_table.go derives from `shouldEscape`.
 */

/** url.URL's exported fields; User is `{}` when userinfo was present (its fields are unexported). */
export interface GoUrl {
  Scheme: string;
  Opaque: string;
  User: { username: string; password: string | undefined } | null;
  Host: string;
  Path: string;
  RawPath: string;
  OmitHost: boolean;
  ForceQuery: boolean;
  RawQuery: string;
  Fragment: string;
  RawFragment: string;
}

export type Mode = 'path' | 'pathSegment' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'pathSegment':
        return '/;,?'.includes(ch);
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

/** Strings here are Go byte strings: one JavaScript character per byte (latin1). */
export function unescape(s: string, mode: Mode): string {
  let n = 0;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) {
        throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      if (mode === 'host' && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== '%25')
        throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      if (mode === 'zone') {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, 'host'))
          throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode))
        throw new Error(`invalid character ${JSON.stringify(s[i])} in host name`);
      i++;
    }
  }
  if (n === 0) return s;
  let t = '';
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x25) {
      t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else t += s.charAt(i);
  }
  return t;
}

export function escape(s: string, mode: Mode): string {
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === 'queryComponent') t += '+';
    else if (shouldEscape(c, mode)) t += `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else t += s.charAt(i);
  }
  return t;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new Error('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

const IPV6 = /^[0-9A-Fa-f:.]+$/;

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new Error('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new Error("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${JSON.stringify(colonPort)} after host`);
    const port = unescape(colonPort, 'host');
    const hostname = host.slice(1, close);
    const zoneIdx = hostname.indexOf('%25');
    const unescaped =
      zoneIdx >= 0
        ? unescape(hostname.slice(0, zoneIdx), 'host') + unescape(hostname.slice(zoneIdx), 'zone')
        : unescape(hostname, 'host');
    const addr = zoneIdx >= 0 ? unescaped.slice(0, unescaped.indexOf('%')) : unescaped;
    // netip.ParseAddr: an IPv6 literal (an IPv4 one is refused as an IP-literal).
    if (!IPV6.test(addr) || !addr.includes(':') || !isIPv6(addr)) throw new Error('invalid host');
    return `[${unescaped}]${port}`;
  }
  const i = host.indexOf(':');
  if (i !== -1) {
    const last = host.lastIndexOf(':');
    const at = last !== i && scheme !== 'http' && scheme !== 'https' ? last : i;
    const colonPort = host.slice(at);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return unescape(host, 'host');
}

function isIPv6(s: string): boolean {
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** url.Parse; throws with Go's inner error text. Input is a Go byte string (latin1 characters). */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const url = parse(u);
  if (hash >= 0) {
    const frag = raw.slice(hash + 1);
    if (frag !== '') {
      url.Fragment = unescape(frag, 'fragment');
      url.RawFragment = escape(url.Fragment, 'fragment') === frag ? '' : frag;
    }
  }
  return url;
}

function parse(raw: string): GoUrl {
  for (let i = 0; i < raw.length; i++) {
    const b = raw.charCodeAt(i);
    if (b < 0x20 || b === 0x7f) throw new Error('net/url: invalid control character in URL');
  }
  const url: GoUrl = {
    Scheme: '',
    Opaque: '',
    User: null,
    Host: '',
    Path: '',
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: '',
    Fragment: '',
    RawFragment: '',
  };
  if (raw === '*') {
    url.Path = '*';
    return url;
  }
  const [scheme, afterScheme] = getScheme(raw);
  let rest = afterScheme;
  url.Scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    url.ForceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.RawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.Scheme !== '') {
      url.Opaque = rest;
      return url;
    }
    const segment = rest.split('/')[0] ?? '';
    if (segment.includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  if ((url.Scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    url.Host = parseHost(url.Scheme, at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) throw new Error('net/url: invalid userinfo');
      const colon = userinfo.indexOf(':');
      url.User =
        colon < 0
          ? { username: unescape(userinfo, 'userPassword'), password: undefined }
          : {
              username: unescape(userinfo.slice(0, colon), 'userPassword'),
              password: unescape(userinfo.slice(colon + 1), 'userPassword'),
            };
    }
  } else if (url.Scheme !== '' && rest.startsWith('/')) {
    url.OmitHost = true;
  }
  url.Path = unescape(rest, 'path');
  url.RawPath = escape(url.Path, 'path') === rest ? '' : rest;
  return url;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (let i = 0; i < s.length; i++) {
    if ("!$&'()*+,;=:@[]%".includes(s[i] ?? '')) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

export function escapedPath(u: GoUrl): string {
  if (u.RawPath !== '' && validEncoded(u.RawPath, 'path')) {
    try {
      if (unescape(u.RawPath, 'path') === u.Path) return u.RawPath;
    } catch {
      // fall through to escaping Path, as Go does on an unescape error
    }
  }
  if (u.Path === '*') return '*';
  return escape(u.Path, 'path');
}

function escapedFragment(u: GoUrl): string {
  if (u.RawFragment !== '' && validEncoded(u.RawFragment, 'fragment')) {
    try {
      if (unescape(u.RawFragment, 'fragment') === u.Fragment) return u.RawFragment;
    } catch {
      // as Go: use the escaped Fragment
    }
  }
  return escape(u.Fragment, 'fragment');
}

/** URL.String(). */
export function goUrlString(u: GoUrl): string {
  let buf = '';
  if (u.Scheme !== '') buf += `${u.Scheme}:`;
  if (u.Opaque !== '') buf += u.Opaque;
  else {
    if (u.Scheme !== '' || u.Host !== '' || u.User !== null) {
      if (!(u.OmitHost && u.Host === '' && u.User === null)) {
        if (u.Host !== '' || u.Path !== '' || u.User !== null) buf += '//';
        if (u.User !== null) {
          buf += escape(u.User.username, 'userPassword');
          if (u.User.password !== undefined) buf += `:${escape(u.User.password, 'userPassword')}`;
          buf += '@';
        }
        if (u.Host !== '') buf += escape(u.Host, 'host');
      }
    }
    const path = escapedPath(u);
    if (path !== '' && !path.startsWith('/') && u.Host !== '') buf += '/';
    if (buf === '' && (path.split('/')[0] ?? '').includes(':')) buf += './';
    buf += path;
  }
  if (u.ForceQuery || u.RawQuery !== '') buf += `?${u.RawQuery}`;
  if (u.Fragment !== '') buf += `#${escapedFragment(u)}`;
  return buf;
}
