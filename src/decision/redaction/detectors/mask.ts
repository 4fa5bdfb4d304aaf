/**
 * Masks detector findings inside their strings, in a copy: each match becomes
 * `[REDACTED:<type>]`; a member whose key holds a finding becomes `"[REDACTED:<type>]": "[REDACTED]"`.
 * The marker holds no digit, no `@` and no secret-shaped run, and detectors
 * reject values that start with `[`, so scanning and masking a masked payload again changes
 * nothing (a property test holds this).
 */
import { REDACTION_MARKER } from '../apply.ts';
import { FindingMismatchError } from '../errors.ts';
import { childOf, cloneJson, defineOwn, isJsonObject, setChild, type JsonObject } from '../json-value.ts';
import { PAYLOAD_ROOT, escapeSegment, parseConcretePath } from '../pointer.ts';
import { isDetectorType, type DetectorType, type Finding } from './types.ts';

/** The text that replaces a finding of `type`. */
export function findingMarker(type: DetectorType): string {
  return `[REDACTED:${type}]`;
}

/**
 * Returns a copy of `payload` with every finding masked; throws {@link FindingMismatchError} for a
 * finding that does not fit. A finding in a key (`in: 'key'`) removes its whole member, which
 * becomes `"[REDACTED:<type>]": "[REDACTED]"` (`#2`, `#3`... when that key exists already), so the
 * shape stays visible; findings below a removed member go with it. `onRename` hears of each.
 */
export function maskFindings(
  payload: unknown,
  findings: readonly Finding[],
  basePath: string = PAYLOAD_ROOT,
  onRename?: (from: string, to: string) => void,
): unknown {
  const byPath = new Map<string, Finding[]>();
  const members = new Map<string, Finding>(); // member path -> its key's first finding
  for (const f of findings) {
    if (!isDetectorType(f.type)) throw new FindingMismatchError(`unknown type ${JSON.stringify(String(f.type))}`);
    if (!Number.isInteger(f.start) || !Number.isInteger(f.end) || f.start < 0 || f.end <= f.start)
      throw new FindingMismatchError(`bad offsets at ${f.path}`);
    if (f.in !== undefined && f.in !== 'key') throw new FindingMismatchError(`bad "in" at ${f.path}`);
    if (f.in === 'key') {
      const known = members.get(f.path);
      if (known === undefined || f.start < known.start) members.set(f.path, f);
      continue;
    }
    const list = byPath.get(f.path);
    if (list === undefined) byPath.set(f.path, [f]);
    else list.push(f);
  }
  let copy = cloneJson(payload);
  for (const [path, list] of byPath) {
    if (removedWithMember(path, members, true)) continue;
    const segments = parseConcretePath(path, basePath);
    const { parent, current } = resolve(copy, segments, path);
    if (typeof current !== 'string') throw new FindingMismatchError(`${path} is not a string`);
    const masked = maskText(current, list, path);
    const last = segments.at(-1);
    if (last === undefined) copy = masked;
    else setChild(parent as unknown[] | JsonObject, last, masked);
  }
  // Members are renamed per parent object, in one rebuild that keeps the order of its keys.
  const byParent = new Map<string, Map<string, DetectorType>>();
  for (const [path, f] of members) {
    if (removedWithMember(path, members, false)) continue;
    const key = parseConcretePath(path, basePath).at(-1);
    if (key === undefined) throw new FindingMismatchError(`${path} names no member`);
    if (f.end > key.length) throw new FindingMismatchError(`offsets past the end of the key of ${path}`);
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    const renames = byParent.get(parentPath) ?? new Map<string, DetectorType>();
    byParent.set(parentPath, renames.set(key, f.type));
  }
  for (const [parentPath, renames] of byParent) {
    const segments = parseConcretePath(parentPath, basePath);
    const { parent, current } = resolve(copy, segments, parentPath);
    if (!isJsonObject(current)) throw new FindingMismatchError(`${parentPath} is not an object`);
    const renamed = renameMembers(current, renames, parentPath, onRename);
    const last = segments.at(-1);
    if (last === undefined) copy = renamed;
    else setChild(parent as unknown[] | JsonObject, last, renamed);
  }
  return copy;
}

// True when a member removed for its key holds `path` (or is `path`, when `self` counts).
function removedWithMember(path: string, members: ReadonlyMap<string, Finding>, self: boolean): boolean {
  if (self && members.has(path)) return true;
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1))
    if (members.has(path.slice(0, i))) return true;
  return false;
}

function resolve(root: unknown, segments: readonly string[], path: string): { parent: unknown; current: unknown } {
  let parent: unknown = undefined;
  let current: unknown = root;
  for (const segment of segments) {
    const child = childOf(current, segment);
    if (!child.found) throw new FindingMismatchError(`no value at ${path}`);
    parent = current;
    current = child.value;
  }
  return { parent, current };
}

function renameMembers(
  object: JsonObject,
  renames: ReadonlyMap<string, DetectorType>,
  parentPath: string,
  onRename: ((from: string, to: string) => void) | undefined,
): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(object)) {
    const type = renames.get(key);
    if (type === undefined) {
      defineOwn(out, key, object[key]);
      continue;
    }
    const marker = findingMarker(type);
    let name = marker;
    for (let n = 2; Object.hasOwn(object, name) || Object.hasOwn(out, name); n++) name = `${marker}#${n}`;
    defineOwn(out, name, REDACTION_MARKER);
    onRename?.(`${parentPath}/${escapeSegment(key)}`, `${parentPath}/${escapeSegment(name)}`);
  }
  return out;
}

/** Masks findings (all of one string) in `text`; overlapping findings collapse into the first one's marker. */
export function maskText(
  text: string,
  findings: readonly Pick<Finding, 'type' | 'start' | 'end'>[],
  path = '',
): string {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const f of sorted) {
    if (f.end > text.length) throw new FindingMismatchError(`offsets past the end of ${path}`);
    if (f.end <= at) continue;
    out += text.slice(at, Math.max(at, f.start)) + (f.start >= at ? findingMarker(f.type) : '');
    at = f.end;
  }
  return out + text.slice(at);
}
