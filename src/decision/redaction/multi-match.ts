/**
 * Finds where any of a set of needles occurs in a text, as merged ranges. Used to make
 * redaction hold: every other string that still contains a redacted value is masked there.
 * Few needles use `indexOf` (native, fast); many use Aho-Corasick so the work stays linear in
 * the text plus the needles, whatever a policy redacts (thousands of wildcard matches).
 */

/** A half-open range `[start, end)` of UTF-16 code units. */
export type Range = readonly [start: number, end: number];

/** Searches texts for a fixed set of needles. */
export interface MultiMatcher {
  /** True when there is nothing to look for. */
  readonly empty: boolean;
  /** Ranges covered by any occurrence of any needle, sorted, overlapping ones merged. */
  ranges(text: string): Range[];
}

/** Below this many needles a loop of `indexOf` beats building an automaton. */
const AUTOMATON_THRESHOLD = 8;

/** Builds a matcher for the distinct non-empty needles given. */
export function createMultiMatcher(needles: Iterable<string>, options: { automaton?: boolean } = {}): MultiMatcher {
  const distinct = [...new Set(needles)].filter((n) => n.length > 0);
  if (distinct.length === 0) return { empty: true, ranges: () => [] };
  const useAutomaton = options.automaton ?? distinct.length > AUTOMATON_THRESHOLD;
  return useAutomaton ? automatonMatcher(distinct) : indexOfMatcher(distinct);
}

/** Masks every range of `text` with `marker`; a text without ranges is returned as is. */
export function maskRanges(text: string, ranges: readonly Range[], marker: string): string {
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    out += text.slice(at, start) + marker;
    at = end;
  }
  return out + text.slice(at);
}

function mergeSorted(ranges: [number, number][]): Range[] {
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function indexOfMatcher(needles: readonly string[]): MultiMatcher {
  return {
    empty: false,
    ranges(text) {
      const found: [number, number][] = [];
      for (const needle of needles) {
        // Step by one so overlapping occurrences ("aaaa" in "aaaaa") are all covered.
        for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1))
          found.push([i, i + needle.length]);
      }
      return mergeSorted(found);
    },
  };
}

function automatonMatcher(needles: readonly string[]): MultiMatcher {
  // One map for all transitions, keyed state * 2^16 + code unit: far smaller than a map per state.
  const next = new Map<number, number>();
  const depth: number[] = [0];
  const terminal: number[] = [0];
  for (const needle of needles) {
    let state = 0;
    for (let i = 0; i < needle.length; i++) {
      const key = state * 65536 + needle.charCodeAt(i);
      let to = next.get(key);
      if (to === undefined) {
        to = terminal.length;
        depth.push((depth[state] ?? 0) + 1);
        terminal.push(0);
        next.set(key, to);
      }
      state = to;
    }
    terminal[state] = needle.length;
  }
  const fail = new Int32Array(terminal.length);
  // longest[s]: the longest needle that ends at s, itself or through its failure chain.
  const longest = Int32Array.from(terminal);
  // Breadth-first (by depth): a state's failure target is shallower, so it is final already.
  const edges = [...next].sort((x, y) => (depth[x[1]] ?? 0) - (depth[y[1]] ?? 0));
  for (const [key, to] of edges) {
    const from = Math.floor(key / 65536);
    const code = key % 65536;
    let target = 0;
    if (from !== 0) {
      let f = fail[from] ?? 0;
      while (f !== 0 && !next.has(f * 65536 + code)) f = fail[f] ?? 0;
      target = next.get(f * 65536 + code) ?? 0;
    }
    fail[to] = target;
    longest[to] = Math.max(longest[to] ?? 0, longest[target] ?? 0);
  }
  return {
    empty: false,
    ranges(text) {
      const found: [number, number][] = [];
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        let to = next.get(state * 65536 + code);
        while (to === undefined && state !== 0) {
          state = fail[state] ?? 0;
          to = next.get(state * 65536 + code);
        }
        state = to ?? 0;
        const length = longest[state] ?? 0;
        if (length > 0) {
          // Ends only grow, but a long needle can reach back over several earlier ranges.
          let start = i + 1 - length;
          for (let last = found.at(-1); last !== undefined && start < last[1]; last = found.at(-1)) {
            start = Math.min(start, last[0]);
            found.pop();
          }
          found.push([start, i + 1]);
        }
      }
      return found;
    },
  };
}
