/**
 * Resolves redaction patterns against a payload, read-only. The number of distinct concrete
 * paths is bounded so a pattern of wildcards over a large payload fails (and the caller
 * denies) instead of producing an unbounded list.
 */
import { RedactionLimitError } from './errors.ts';
import { childOf, isJsonObject } from './json-value.ts';
import { WILDCARD, formatPointer, type PathPattern } from './pointer.ts';

/** One concrete value a pattern matched. */
export interface PathMatch {
  /** Keys and indices (as strings) from the payload root to the value. */
  segments: readonly string[];
  /** The concrete pointer, e.g. `/payload/employees/0/salary`. */
  pointer: string;
  /** The matched value (not a copy). */
  value: unknown;
  /** True when the value is a member of an object (its last segment is a key, not an index). */
  inObject: boolean;
}

/** Default bound on concrete paths per call; equals the `maxRedactionPaths` config default. */
export const DEFAULT_MAX_MATCHES = 10_000;

interface Node {
  segments: string[];
  value: unknown;
  inObject: boolean;
}

/** Nodes all patterns of one call may visit together, at least; bounds repeated wildcard walks. */
export const MIN_VISIT_BUDGET = 1_000_000;

/** Finds every value `pattern` names in `payload`; `seen` deduplicates across patterns and counts toward `limit`. */
export function matchPattern(
  payload: unknown,
  pattern: PathPattern,
  seen: Map<string, PathMatch>,
  limit: number,
  root?: string,
  work: { visits: number } = { visits: Math.max(MIN_VISIT_BUDGET, 100 * limit) },
): PathMatch[] {
  let frontier: Node[] = [{ segments: [], value: payload, inObject: false }];
  for (const segment of pattern) {
    const next: Node[] = [];
    for (const node of frontier) {
      if (segment === WILDCARD) {
        if (Array.isArray(node.value)) {
          for (let i = 0; i < node.value.length; i++)
            next.push({ segments: [...node.segments, String(i)], value: node.value[i], inObject: false });
        } else if (isJsonObject(node.value)) {
          for (const key of Object.keys(node.value))
            next.push({ segments: [...node.segments, key], value: node.value[key], inObject: true });
        }
      } else {
        const child = childOf(node.value, segment);
        if (child.found)
          next.push({ segments: [...node.segments, segment], value: child.value, inObject: isJsonObject(node.value) });
      }
    }
    frontier = next;
    // Many patterns of wildcards over one large payload could otherwise cost minutes.
    work.visits -= frontier.length;
    if (work.visits < 0)
      throw new RedactionLimitError(Math.max(MIN_VISIT_BUDGET, 100 * limit), 'payload nodes visited');
    if (frontier.length === 0) return [];
  }
  const matches: PathMatch[] = [];
  for (const node of frontier) {
    const pointer = formatPointer(node.segments, root);
    const known = seen.get(pointer);
    if (known !== undefined) {
      matches.push(known);
      continue;
    }
    if (seen.size >= limit) throw new RedactionLimitError(limit);
    const match = { segments: node.segments, pointer, value: node.value, inObject: node.inObject };
    seen.set(pointer, match);
    matches.push(match);
  }
  return matches;
}
