/**
 * Whether Go's net/mail.ParseAddress (Go 1.26, message.go: parseSingleAddress and the addrParser
 * methods it reaches, with mime.WordDecoder.Decode for RFC 2047 words) accepts a string: what
 * gojsonschema's `email` and `idn-email` formats check. Only acceptance is ported, not the
 * parsed address or the error texts.
 */
import { parseIp } from '../net.ts';

class MailError extends Error {}
const bad = (): never => {
  throw new MailError();
};

const isVchar = (r: number): boolean => (r >= 0x21 && r <= 0x7e) || r >= 0x80;
const isWSP = (r: number): boolean => r === 0x20 || r === 0x09;
const isQtext = (r: number): boolean => r !== 0x5c && r !== 0x22 && isVchar(r);
const isDtext = (r: number): boolean => r !== 0x5b && r !== 0x5d && r !== 0x5c && isVchar(r);
function isAtext(r: number, dot: boolean): boolean {
  if (r === 0x2e) return dot;
  if ('()<>[]:;@\\,"'.includes(String.fromCodePoint(r))) return false;
  return isVchar(r);
}

/** mime's strict base64 (StdEncoding.DecodeString; CR and LF ignored). */
function base64Ok(text: string): boolean {
  const s = text.replace(/[\r\n]/g, '');
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s);
}

/** mime's qDecode: whether the Q-encoded text decodes. */
function qOk(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) continue;
    if (c === 0x3d) {
      if (i + 2 >= s.length) return false;
      if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return false;
      i += 2;
    } else if (!((c <= 0x7e && c >= 0x20) || c === 0x0a || c === 0x0d || c === 0x09)) return false;
  }
  return true;
}

/** decodeRFC2047Word's outcome: encoded, plain, or an error (a well-formed word in an unknown charset). */
function decodeWord(s: string): 'encoded' | 'plain' {
  if (s.length < 8 || !s.startsWith('=?') || !s.endsWith('?=') || s.split('?').length - 1 !== 4) return 'plain';
  const word = s.slice(2, -2);
  const q1 = word.indexOf('?');
  const charset = word.slice(0, q1);
  if (charset === '') return 'plain';
  const rest = word.slice(q1 + 1);
  const q2 = rest.indexOf('?');
  const encoding = q2 < 0 ? rest : rest.slice(0, q2);
  const text = q2 < 0 ? '' : rest.slice(q2 + 1);
  if (Buffer.byteLength(encoding) !== 1) return 'plain';
  const ok =
    encoding === 'B' || encoding === 'b' ? base64Ok(text) : encoding === 'Q' || encoding === 'q' ? qOk(text) : false;
  if (!ok) return 'plain';
  if (['utf-8', 'iso-8859-1', 'us-ascii'].includes(charset.toLowerCase())) return 'encoded';
  return bad();
}

/** net/mail's addrParser over a JavaScript string (runes as code points). */
class AddrParser {
  s: string;

  constructor(s: string) {
    this.s = s;
  }

  private empty(): boolean {
    return this.s.length === 0;
  }
  private peek(): string {
    return this.s[0] ?? '';
  }
  private consume(c: string): boolean {
    if (this.empty() || this.peek() !== c) return false;
    this.s = this.s.slice(1);
    return true;
  }
  private skipSpace(): void {
    this.s = this.s.replace(/^[ \t]+/, '');
  }
  private skipCFWS(): boolean {
    this.skipSpace();
    while (this.consume('(')) {
      if (!this.consumeComment().ok) return false;
      this.skipSpace();
    }
    return true;
  }
  private consumeComment(): { comment: string; ok: boolean } {
    let depth = 1;
    let comment = '';
    while (!this.empty() && depth !== 0) {
      if (this.peek() === '\\' && this.s.length > 1) this.s = this.s.slice(1);
      else if (this.peek() === '(') depth++;
      else if (this.peek() === ')') depth--;
      if (depth > 0) comment += this.s[0] ?? '';
      this.s = this.s.slice(1);
    }
    return { comment, ok: depth === 0 };
  }

  parseSingleAddress(): void {
    const count = this.parseAddress(true);
    if (!this.skipCFWS()) bad();
    if (!this.empty()) bad();
    if (count !== 1) bad();
  }

  /** parseAddress: the number of addresses parsed (a group may hold several). */
  private parseAddress(handleGroup: boolean): number {
    this.skipSpace();
    if (this.empty()) bad();
    if (this.tryAddrSpec()) {
      this.skipSpace();
      if (!this.empty() && this.peek() === '(') this.consumeDisplayNameComment();
      return 1;
    }
    if (this.peek() !== '<') this.consumePhrase();
    this.skipSpace();
    if (handleGroup && this.consume(':')) return this.consumeGroupList();
    if (!this.consume('<')) bad();
    this.consumeAddrSpec();
    if (!this.consume('>')) bad();
    return 1;
  }

  private consumeGroupList(): number {
    let n = 0;
    this.skipSpace();
    if (this.consume(';')) {
      if (!this.skipCFWS()) bad();
      return 0;
    }
    for (;;) {
      this.skipSpace();
      n += this.parseAddress(false);
      if (!this.skipCFWS()) bad();
      if (this.consume(';')) {
        if (!this.skipCFWS()) bad();
        return n;
      }
      if (!this.consume(',')) bad();
    }
  }

  /** consumeAddrSpec, restoring the input when it fails. */
  private tryAddrSpec(): boolean {
    const orig = this.s;
    try {
      this.consumeAddrSpec();
      return true;
    } catch (e) {
      if (!(e instanceof MailError)) throw e;
      this.s = orig;
      return false;
    }
  }

  private consumeAddrSpec(): void {
    const orig = this.s;
    try {
      this.skipSpace();
      if (this.empty()) bad();
      if (this.peek() === '"') {
        if (this.consumeQuotedString() === '') bad();
      } else this.consumeAtom(true, false);
      if (!this.consume('@')) bad();
      this.skipSpace();
      if (this.empty()) bad();
      if (this.peek() === '[') this.consumeDomainLiteral();
      else this.consumeAtom(true, false);
    } catch (e) {
      this.s = orig;
      throw e;
    }
  }

  private consumePhrase(): void {
    let words = 0;
    let pendingEncoded = false;
    let failed = false;
    for (;;) {
      if (words > 0 && !this.skipCFWS()) bad();
      this.skipSpace();
      if (this.empty()) break;
      let encoded = false;
      try {
        if (this.peek() === '"') this.consumeQuotedString();
        else {
          const atom = this.consumeAtom(true, true);
          encoded = decodeWord(atom) === 'encoded';
        }
      } catch (e) {
        if (!(e instanceof MailError)) throw e;
        failed = true;
        break;
      }
      if (encoded) pendingEncoded = true;
      else if (pendingEncoded) {
        words += 2;
        pendingEncoded = false;
      } else words++;
    }
    if (pendingEncoded) words++;
    if (failed && words === 0) bad();
  }

  private consumeQuotedString(): string {
    let i = 1;
    let qs = '';
    let escaped = false;
    for (;;) {
      const r = this.s.codePointAt(i);
      if (r === undefined) return bad();
      const size = r > 0xffff ? 2 : 1;
      if (escaped) {
        if (!isVchar(r) && !isWSP(r)) bad();
        qs += String.fromCodePoint(r);
        escaped = false;
      } else if (isQtext(r) || isWSP(r)) qs += String.fromCodePoint(r);
      else if (r === 0x22) break;
      else if (r === 0x5c) escaped = true;
      else bad();
      i += size;
    }
    this.s = this.s.slice(i + 1);
    return qs;
  }

  private consumeAtom(dot: boolean, permissive: boolean): string {
    let i = 0;
    for (;;) {
      const r = this.s.codePointAt(i);
      if (r === undefined || !isAtext(r, dot)) break;
      i += r > 0xffff ? 2 : 1;
    }
    if (i === 0) bad();
    const atom = this.s.slice(0, i);
    this.s = this.s.slice(i);
    if (!permissive && (atom.startsWith('.') || atom.includes('..') || atom.endsWith('.'))) bad();
    return atom;
  }

  private consumeDomainLiteral(): void {
    if (!this.consume('[')) bad();
    let dtext = '';
    for (;;) {
      if (this.empty()) bad();
      if (this.peek() === ']') break;
      const r = this.s.codePointAt(0) ?? 0;
      if (!isDtext(r)) bad();
      const ch = String.fromCodePoint(r);
      dtext += ch;
      this.s = this.s.slice(ch.length);
    }
    if (!this.consume(']')) bad();
    if (parseIp(dtext) === undefined) bad();
  }

  private consumeDisplayNameComment(): void {
    if (!this.consume('(')) bad();
    const { comment, ok } = this.consumeComment();
    if (!ok) bad();
    for (const word of comment.split(/[ \t]+/).filter((w) => w !== '')) decodeWord(word);
  }
}

/** Whether Go's net/mail (message.go) ParseAddress accepts `address`. */
export function isMailAddress(address: string): boolean {
  try {
    new AddrParser(address).parseSingleAddress();
    return true;
  } catch (e) {
    if (e instanceof MailError) return false;
    throw e;
  }
}
