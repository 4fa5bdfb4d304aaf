import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  REDACTION_MARKER,
  applyRedactions,
  numberTexts,
  MIN_PROPAGATED_LENGTH,
} from '../../src/decision/redaction/apply.ts';
import { createMultiMatcher, type Range } from '../../src/decision/redaction/multi-match.ts';
import { escapeSegment } from '../../src/decision/redaction/pointer.ts';

// A small alphabet (with the marker's own characters) makes values recur inside other strings,
// which is exactly what the "redaction holds" rule has to catch.
const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', '0', ' ', '[', ']', 'R', 'E', 'D'), maxLength: 12 });
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '~', '/', '*', 'a/b', 'x~1'), text);
const scalar = fc.oneof(
  text,
  fc.integer({ min: -200_000, max: 200_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

// Objects built with defineProperty, as JSON.parse builds them: `__proto__` is an own data key.
const objectOf = (entries: [string, unknown][]) => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
};
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('json')), { maxLength: 4 }).map(objectOf),
  ),
}));
const payload = fc.array(fc.tuple(key, json), { maxLength: 5 }).map(objectOf);

function allPaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => allPaths(v, [...prefix, String(i)], out));
  else if (value !== null && typeof value === 'object')
    for (const k of Object.keys(value)) allPaths((value as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

// Redactions drawn from the payload's own paths (some segments turned into `*`), plus misses.
const scenario = payload.chain((p) => {
  const paths = allPaths(p);
  const choice = fc.record({ at: fc.nat(), wild: fc.nat({ max: 7 }), miss: fc.boolean() });
  return fc.tuple(
    fc.constant(p),
    fc.array(choice, { maxLength: 4 }).map((choices) =>
      choices.map(({ at, wild, miss }) => {
        const segments = paths[at % paths.length]!.map((s, i) => (i === wild ? '*' : escapeSegment(s)));
        return {
          path: '/payload' + segments.map((s) => '/' + s).join('') + (miss ? '/missing' : ''),
          reason: 'property',
        };
      }),
    ),
  );
});

function valueAt(root: unknown, pointer: string): unknown {
  let v = root;
  for (const raw of pointer.split('/').slice(2)) {
    const k = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function removedValues(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'number') into.push(...numberTexts(value));
  else if (Array.isArray(value)) value.forEach((v) => removedValues(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      into.push(k);
      removedValues((value as Record<string, unknown>)[k], into);
    }
  }
  return into;
}

function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (typeof value === 'number') into.push(String(Math.abs(value)));
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, into));
  else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      into.push(k);
      stringsIn((value as Record<string, unknown>)[k], into);
    }
  }
  return into;
}

const SENTINEL = '\u0000';
const withoutMarkers = (s: string) => s.split(REDACTION_MARKER).join(SENTINEL);

describe('applyRedactions (properties)', () => {
  it('never mutates its input', () => {
    fc.assert(
      fc.property(scenario, ([p, redactions]) => {
        const before = JSON.stringify(p);
        applyRedactions(p, redactions);
        assert.equal(JSON.stringify(p), before);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: applying the same redactions again changes nothing', () => {
    fc.assert(
      fc.property(scenario, ([p, redactions]) => {
        const once = applyRedactions(p, redactions).payload;
        const twice = applyRedactions(once, redactions).payload;
        assert.equal(JSON.stringify(twice), JSON.stringify(once));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no removed value (4+ characters) anywhere outside a marker, keys included', () => {
    fc.assert(
      fc.property(scenario, ([p, redactions]) => {
        const out = applyRedactions(p, redactions);
        const removed = out.applied
          .flatMap((a) => removedValues(valueAt(p, a.path)))
          .filter((v) => v.length >= MIN_PROPAGATED_LENGTH && v !== REDACTION_MARKER);
        const remaining = stringsIn(out.payload).map(withoutMarkers);
        for (const v of removed)
          for (const s of remaining) assert.ok(!s.includes(v), `${JSON.stringify(v)} survives in ${JSON.stringify(s)}`);
        // And the serialised result, as a log line or a tool would see it.
        const serialised = withoutMarkers(JSON.stringify(out.payload) ?? '');
        for (const v of removed)
          if (/^[a-zA-Z0-9 ]+$/.test(v))
            assert.ok(!serialised.includes(v), `${JSON.stringify(v)} survives in the JSON`);
      }),
      { numRuns: 300 },
    );
  });

  it('replaces exactly the applied paths with the marker', () => {
    fc.assert(
      fc.property(scenario, ([p, redactions]) => {
        const out = applyRedactions(p, redactions);
        // Keys on the way may have been masked, so look only at paths whose keys survived.
        for (const a of out.applied) {
          const v = valueAt(out.payload, a.path);
          if (v !== undefined) assert.equal(v, REDACTION_MARKER);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('multi-needle search (properties)', () => {
  const naive = (needles: string[], haystack: string): Range[] => {
    // Merge overlapping (not merely adjacent) occurrences, like the matchers do.
    const occurrences: [number, number][] = [];
    for (const n of needles.filter((x) => x.length > 0))
      for (let i = haystack.indexOf(n); i !== -1; i = haystack.indexOf(n, i + 1)) occurrences.push([i, i + n.length]);
    occurrences.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const o of occurrences) {
      const last = merged.at(-1);
      if (last !== undefined && o[0] < last[1]) last[1] = Math.max(last[1], o[1]);
      else merged.push([...o]);
    }
    return merged;
  };
  const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 5 });

  it('finds the same ranges with the automaton, with indexOf, and naively', () => {
    fc.assert(
      fc.property(
        fc.array(small, { maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 40 }),
        (needles, haystack) => {
          const want = naive(needles, haystack);
          assert.deepEqual(createMultiMatcher(needles, { automaton: true }).ranges(haystack), want);
          assert.deepEqual(createMultiMatcher(needles, { automaton: false }).ranges(haystack), want);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees with indexOf over a wide alphabet (nodes with many children)', () => {
    const wide = fc.string({
      unit: fc.integer({ min: 0x41, max: 0x7a }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(
        fc.array(wide, { minLength: 9, maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (needles, picks) => {
          // A haystack made of needles (and their pieces) so that matches actually happen.
          const haystack = picks.map((p) => (needles[p % needles.length] ?? '').slice(p % 3)).join('.');
          assert.deepEqual(
            createMultiMatcher(needles, { automaton: true }).ranges(haystack),
            createMultiMatcher(needles, { automaton: false }).ranges(haystack),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with indexOf when one node has more children than its sibling list holds', () => {
    const needles = Array.from({ length: 40 }, (_, i) => `q${String.fromCharCode(0x41 + i)}z`);
    const haystack = needles.map((n, i) => (i % 3 === 0 ? n : n.slice(0, 2))).join('q') + 'qqAz';
    assert.deepEqual(
      createMultiMatcher(needles, { automaton: true }).ranges(haystack),
      createMultiMatcher(needles, { automaton: false }).ranges(haystack),
    );
  });

  it('stays linear when needles are suffixes of each other', () => {
    const needles = Array.from({ length: 300 }, (_, i) => 'a'.repeat(i + 1));
    const started = performance.now();
    const ranges = createMultiMatcher(needles).ranges('a'.repeat(200_000));
    assert.deepEqual(ranges, [[0, 200_000]]);
    // Linear: tens of milliseconds. The naive scan does ~10^10 comparisons here (many seconds); the
    // bound is generous so a loaded machine cannot break it.
    assert.ok(performance.now() - started < 5000, 'took too long');
  });
});
