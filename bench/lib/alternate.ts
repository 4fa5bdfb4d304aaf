/**
 * Timing two versions of one piece of work in one process, alternating, for the A/B scripts
 * (bench/eval-ab.ts, bench/redaction-ab.ts): separate runs on a shared VM drift by more than the
 * changes they compare, while passes that alternate within one process see the same machine.
 */

/** Medians of the two sides and of their paired ratios. */
export interface Alternation {
  /** Median µs per item of the baseline. */
  baseline: number;
  /** Median µs per item of this tree. */
  tree: number;
  /** Median of this tree / baseline, pass by pass. */
  ratio: number;
}

/**
 * Times `rounds` rounds over `items` with each side's `once`, alternating baseline and tree for
 * `passes` passes after five of warm-up; returns µs per item.
 */
export function alternate<T>(
  items: readonly T[],
  once: { baseline: (item: T) => unknown; tree: (item: T) => unknown },
  passes: number,
  rounds = 20,
): Alternation {
  const pass = (f: (item: T) => unknown) => {
    const start = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const item of items) f(item);
    return Number(process.hrtime.bigint() - start) / 1000 / (rounds * items.length);
  };
  for (let i = 0; i < 5; i++) {
    pass(once.baseline);
    pass(once.tree);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < passes; i++) {
    a.push(pass(once.baseline));
    b.push(pass(once.tree));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  return { baseline: median(a), tree: median(b), ratio: median(b.map((x, i) => x / a[i]!)) };
}

/** The report line's timing part. */
export function describeAlternation(r: Alternation, passes: number, unit: string): string {
  return `${passes} alternating passes of 20 rounds: baseline median ${r.baseline.toFixed(1)} µs, this tree ${r.tree.toFixed(1)} µs per ${unit}; paired ratio (this tree / baseline) median ${r.ratio.toFixed(3)}`;
}
