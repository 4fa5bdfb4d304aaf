/**
 * Small measures of a candidate secret. Secrets are random; placeholders and prose are not, so
 * entropy and character variety separate `token=3f9Kx...` from `token=YOUR_TOKEN_HERE`.
 */

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of text) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** How many of lower-case letters, upper-case letters and digits the text uses (0-3). */
export function characterClasses(text: string): number {
  return Number(/[a-z]/.test(text)) + Number(/[A-Z]/.test(text)) + Number(/[0-9]/.test(text));
}

const PLACEHOLDER_WORDS =
  /your|example|sample|placeholder|changeme|change_me|redacted|dummy|xxxx|\*\*\*\*|<|>|\$\{|\{\{|process\.env|undefined|null/i;

/** True for values people write in docs instead of a secret (`<token>`, `YOUR_KEY`, `xxxx`). */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return true;
  // One character repeated (`********`, `000000`) is a mask, not a secret.
  return value.length > 0 && value.split(value.charAt(0)).join('').length === 0;
}
