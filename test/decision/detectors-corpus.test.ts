import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DETECTOR_TYPES } from '../../src/decision/redaction/detectors/types.ts';
import { evaluate, loadCorpus, overall } from '../fixtures/detectors/evaluate.ts';
import { cases as generated } from '../fixtures/detectors/generate-corpus.ts';

// Floors set a little under what the detectors score today (scripts/detector-report.ts), so a
// regression fails here while an honest miss already in the corpus does not.
const MIN_PRECISION = { each: 0.95, all: 0.98 };
const MIN_RECALL = { each: 0.9, all: 0.96 };

describe('detector corpus (test/fixtures/detectors/corpus.jsonl)', () => {
  const corpus = loadCorpus();
  const { scores, misses } = evaluate(corpus);
  const describeMisses = () =>
    misses.map((m) => `${m.kind} ${m.type} ${JSON.stringify(m.match)} (${m.note})`).join('\n');

  it('is the output of its committed generator', () => {
    assert.deepEqual(corpus, generated, 'run: node test/fixtures/detectors/generate-corpus.ts');
  });

  it('has at least 200 labelled texts, hard negatives, and positives for every type', () => {
    assert.ok(corpus.length >= 200);
    assert.ok(corpus.filter((c) => c.expected.length === 0).length >= 80);
    for (const type of DETECTOR_TYPES) {
      assert.ok(
        corpus.filter((c) => c.expected.some((e) => e.type === type)).length >= 3,
        `${type} has too few positives`,
      );
    }
  });

  for (const score of scores) {
    it(`keeps ${score.type} at precision >= ${MIN_PRECISION.each} and recall >= ${MIN_RECALL.each}`, () => {
      assert.ok(score.precision >= MIN_PRECISION.each, `precision ${score.precision.toFixed(3)}\n${describeMisses()}`);
      assert.ok(score.recall >= MIN_RECALL.each, `recall ${score.recall.toFixed(3)}\n${describeMisses()}`);
    });
  }

  it(`keeps all detectors together at precision >= ${MIN_PRECISION.all} and recall >= ${MIN_RECALL.all}`, () => {
    const all = overall(scores);
    assert.ok(all.precision >= MIN_PRECISION.all, `precision ${all.precision.toFixed(3)}\n${describeMisses()}`);
    assert.ok(all.recall >= MIN_RECALL.all, `recall ${all.recall.toFixed(3)}\n${describeMisses()}`);
  });
});
