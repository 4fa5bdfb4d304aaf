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

// Nodes with more children than this get a Map; the rest keep a short sibling list.
const MAP_DEGREE = 16;

function automatonMatcher(needles: readonly string[]): MultiMatcher {
  // Flat typed arrays sized by the needles' total length (an upper bound on nodes): ~20 bytes a
  // node, where a Map entry per transition cost ~200, so a megabyte of removed text stays cheap.
  const capacity = 1 + needles.reduce((n, x) => n + x.length, 0);
  const code = new Int32Array(capacity).fill(-1);
  const firstChild = new Int32Array(capacity).fill(-1);
  const sibling = new Int32Array(capacity).fill(-1);
  const longest = new Int32Array(capacity);
  let nodes = 1;
  const indexes = new Map<number, Map<number, number>>([[0, new Map()]]);
  const child = (state: number, c: number): number | undefined => {
    const index = indexes.get(state);
    if (index !== undefined) return index.get(c);
    for (let n = firstChild[state] ?? -1; n !== -1; n = sibling[n] ?? -1) if (code[n] === c) return n;
    return undefined;
  };
  const addChild = (state: number, c: number): number => {
    const n = nodes++;
    code[n] = c;
    sibling[n] = firstChild[state] ?? -1;
    firstChild[state] = n;
    const index = indexes.get(state);
    if (index !== undefined) index.set(c, n);
    else {
      let degree = 0;
      for (let m = n; m !== -1; m = sibling[m] ?? -1) degree++;
      if (degree > MAP_DEGREE) {
        const built = new Map<number, number>();
        for (let m = n; m !== -1; m = sibling[m] ?? -1) built.set(code[m] ?? -1, m);
        indexes.set(state, built);
      }
    }
    return n;
  };
  for (const needle of needles) {
    let state = 0;
    for (let i = 0; i < needle.length; i++) {
      const c = needle.charCodeAt(i);
      state = child(state, c) ?? addChild(state, c);
    }
    longest[state] = needle.length;
  }
  // Breadth-first: a state's failure target is shallower, so it is final before the state.
  // longest[s] becomes the longest needle ending at s, itself or through its failure chain.
  const fail = new Int32Array(nodes);
  const queue: number[] = [];
  for (let n = firstChild[0] ?? -1; n !== -1; n = sibling[n] ?? -1) queue.push(n);
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head] ?? 0;
    for (let n = firstChild[s] ?? -1; n !== -1; n = sibling[n] ?? -1) {
      const c = code[n] ?? -1;
      let f = fail[s] ?? 0;
      let target = child(f, c);
      while (target === undefined && f !== 0) {
        f = fail[f] ?? 0;
        target = child(f, c);
      }
      const t = target ?? 0;
      fail[n] = t;
      longest[n] = Math.max(longest[n] ?? 0, longest[t] ?? 0);
      queue.push(n);
    }
  }
  return {
    empty: false,
    ranges(text) {
      const found: [number, number][] = [];
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        let to = child(state, c);
        while (to === undefined && state !== 0) {
          state = fail[state] ?? 0;
          to = child(state, c);
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
