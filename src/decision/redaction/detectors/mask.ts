/**
 * Masks detector findings inside their strings, in a copy: each match becomes
 * `[REDACTED:<type>]`. The marker holds no digit, no `@` and no secret-shaped run, and detectors
 * reject values that start with `[`, so scanning and masking a masked payload again changes
 * nothing (a property test holds this).
 */
import { FindingMismatchError } from '../errors.ts';
import { childOf, cloneJson, setChild, type JsonObject } from '../json-value.ts';
import { PAYLOAD_ROOT, parseConcretePath } from '../pointer.ts';
import { isDetectorType, type DetectorType, type Finding } from './types.ts';

/** The text that replaces a finding of `type`. */
export function findingMarker(type: DetectorType): string {
  return `[REDACTED:${type}]`;
}

/** Returns a copy of `payload` with every finding masked; throws {@link FindingMismatchError} for a finding that does not fit. */
export function maskFindings(payload: unknown, findings: readonly Finding[], basePath: string = PAYLOAD_ROOT): unknown {
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!isDetectorType(f.type)) throw new FindingMismatchError(`unknown type ${JSON.stringify(String(f.type))}`);
    if (!Number.isInteger(f.start) || !Number.isInteger(f.end) || f.start < 0 || f.end <= f.start)
      throw new FindingMismatchError(`bad offsets at ${f.path}`);
    const list = byPath.get(f.path);
    if (list === undefined) byPath.set(f.path, [f]);
    else list.push(f);
  }
  let copy = cloneJson(payload);
  for (const [path, list] of byPath) {
    const segments = parseConcretePath(path, basePath);
    let parent: unknown = undefined;
    let current: unknown = copy;
    for (const segment of segments) {
      const child = childOf(current, segment);
      if (!child.found) throw new FindingMismatchError(`no value at ${path}`);
      parent = current;
      current = child.value;
    }
    if (typeof current !== 'string') throw new FindingMismatchError(`${path} is not a string`);
    const masked = maskText(current, list, path);
    const last = segments.at(-1);
    if (last === undefined) copy = masked;
    else setChild(parent as unknown[] | JsonObject, last, masked);
  }
  return copy;
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
