/**
 * PEM private keys (PKCS#1, PKCS#8, EC, DSA, OpenSSH, encrypted, PGP blocks). Found with
 * indexOf, not one regex: a lazy "anything up to END" pattern rescans the rest of the text for
 * every BEGIN without an END, which is quadratic. Here each header only looks as far as the next
 * armour line (`-----`), so the regions examined are disjoint and the scan is linear. A key cut
 * off before its END line still counts: header plus body.
 */
import type { Detector, Span } from './types.ts';

const BEGIN = '-----BEGIN ';
const ARMOUR = '-----';
const HEADER = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/y;
const KEY_MATERIAL = /[A-Za-z0-9+/]{16}/;
/** Shortest body that makes a header without an END line worth reporting. */
const MIN_TRUNCATED_BODY = 40;

// What a body may hold when the END line is missing: base64 lines and `Proc-Type:`-style headers.
const BODY_CHARS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:,- \t\r\n')
  BODY_CHARS[c.charCodeAt(0)] = 1;
const isBodyChar = (code: number) => code < 128 && BODY_CHARS[code] === 1;
const isTrailing = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '-';

/** Finds PEM private key blocks. */
export const privateKeyDetector: Detector = {
  type: 'private_key',
  mayContain: (text) => text.includes('PRIVATE KEY'),
  find: (text) => {
    const spans: Span[] = [];
    for (let at = text.indexOf(BEGIN); at !== -1; at = text.indexOf(BEGIN, at + 1)) {
      HEADER.lastIndex = at;
      const header = HEADER.exec(text);
      if (header === null) continue;
      const footer = `-----END ${header[1] ?? ''}-----`;
      const bodyStart = HEADER.lastIndex;
      const armour = text.indexOf(ARMOUR, bodyStart);
      if (armour !== -1 && text.startsWith(footer, armour)) {
        // An empty block (`BEGIN`, then `END`) holds no key material; it is a template.
        if (KEY_MATERIAL.test(text.slice(bodyStart, armour))) {
          spans.push({ start: at, end: armour + footer.length });
          at = armour + footer.length - 1;
        }
        continue;
      }
      // No matching END next: the key was cut off, or other armour follows. Take the body.
      const limit = armour === -1 ? text.length : armour;
      let stop = bodyStart;
      while (stop < limit && isBodyChar(text.charCodeAt(stop))) stop++;
      while (stop > bodyStart && isTrailing(text.charAt(stop - 1))) stop--;
      if (stop - bodyStart >= MIN_TRUNCATED_BODY) {
        spans.push({ start: at, end: stop });
        at = stop - 1;
      }
    }
    return spans;
  },
};
