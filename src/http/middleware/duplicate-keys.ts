/**
 * Finds an object that repeats a key in raw JSON text. JSON.parse keeps the last of two equal
 * keys while other parsers keep the first, so `{"kind": "delete", "kind": "read"}` would be
 * audited as a read by regent and run as a delete by a gateway that read it differently; a
 * body with a duplicate key is refused instead. Keys are compared after unescaping
 * (`"k\u0069nd"` is `"kind"`), as every parser compares them.
 *
 * One pass, no recursion: strings are skipped with `indexOf`, so the cost is a fraction of
 * JSON.parse's (bench/duplicate-keys.ts). It only tracks structure and keys; it never rejects
 * malformed JSON itself (JSON.parse does that), and it stops looking past `maxDepth` levels
 * because the depth check refuses such bodies anyway.
 */

/** A repeated key: the key as parsed and the JSON pointer of the object that repeats it. */
export interface DuplicateKey {
  key: string;
  pointer: string;
}

interface Frame {
  /**
   * Keys seen so far in an object (null for an array): a short list searched in order, as most
   * objects hold a handful of keys, turned into a Set past {@link LIST_KEYS}.
   */
  keys: string[] | null;
  set: Set<string> | null;
  /** This container's key or index in its parent ('' at the top). */
  segment: string;
  /** Next index, in an array. */
  index: number;
  /** In an object: true when the next string is a key. */
  expectKey: boolean;
  /** In an object: the last key read, which names a container that follows it. */
  lastKey: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Keys an object's list holds before they move to a Set (a list search is cheaper below it). */
const LIST_KEYS = 12;

/** Records `key` in `frame`; true when the frame already had it. */
function seen(frame: Frame, key: string): boolean {
  if (frame.set !== null) {
    if (frame.set.has(key)) return true;
    frame.set.add(key);
    return false;
  }
  const keys = frame.keys;
  if (keys === null) return false;
  for (let k = 0; k < keys.length; k++) if (keys[k] === key) return true;
  if (keys.length < LIST_KEYS) keys.push(key);
  else {
    frame.set = new Set(keys);
    frame.set.add(key);
  }
  return false;
}

/** The first object in `text` that repeats a key, or null (also for text that is not JSON). */
export function findDuplicateKey(text: string, maxDepth = Number.POSITIVE_INFINITY): DuplicateKey | null {
  const stack: Frame[] = [];
  let top: Frame | undefined;
  let nextBackslash = text.indexOf('\\');
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Find the closing quote: at once when no backslash comes first, else step over escapes.
      let end = text.indexOf('"', i + 1);
      if (end === -1) return null;
      let escaped = false;
      if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = text.indexOf('\\', i);
      if (nextBackslash !== -1 && nextBackslash < end) {
        escaped = true;
        end = i + 1;
        while (end < n && text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
        if (end >= n) return null;
      }
      if (top !== undefined && top.expectKey) {
        const key = escaped ? unescape(text.slice(i, end + 1)) : text.slice(i + 1, end);
        if (key === null) return null;
        if (seen(top, key)) return { key, pointer: pointerOf(stack) };
        top.lastKey = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const segment = top === undefined ? '' : top.keys !== null ? top.lastKey : String(top.index);
      const isObject = c === 0x7b;
      top = { keys: isObject ? [] : null, set: null, segment, index: 0, expectKey: isObject, lastKey: '' };
      stack.push(top);
      if (stack.length > maxDepth) return null;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === 0x2c /* , */) {
      if (top !== undefined) {
        if (top.keys === null) top.index++;
        else top.expectKey = true;
      }
    }
    i++;
  }
  return null;
}

/** The refusal message for a duplicate: `duplicate key "kind" at /action`. */
export function duplicateKeyMessage(duplicate: DuplicateKey): string {
  const key = duplicate.key.length > 64 ? `${duplicate.key.slice(0, 64)}...` : duplicate.key;
  const where = duplicate.pointer === '' ? 'the top level' : duplicate.pointer;
  return `duplicate key ${JSON.stringify(key)} at ${where}`;
}

function unescape(quoted: string): string | null {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return null;
  }
}

function pointerOf(stack: readonly Frame[]): string {
  let out = '';
  for (let k = 1; k < stack.length; k++)
    out += '/' + (stack[k]?.segment ?? '').replaceAll('~', '~0').replaceAll('/', '~1');
  return out;
}
