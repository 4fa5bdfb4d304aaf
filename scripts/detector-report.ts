/**
 * Recomputes per-detector precision and recall over test/fixtures/detectors/corpus.jsonl and
 * prints a markdown table (for the README). `--misses` also lists every false positive and
 * false negative with its case note.
 *
 *   node scripts/detector-report.ts [--misses]
 */
import { DETECT_DEFAULTS } from '../src/decision/redaction/detectors/detect.ts';
import { evaluate, loadCorpus, overall } from '../test/fixtures/detectors/evaluate.ts';

const cases = loadCorpus();
const { scores, misses } = evaluate(cases);
const pct = (x: number) => x.toFixed(3);
const labels = cases.reduce((n, c) => n + c.expected.length, 0);
const negatives = cases.filter((c) => c.expected.length === 0).length;

const lines = [
  `Detector scores over ${cases.length} labelled texts (${labels} labelled values, ${negatives} texts with none); phone regions: ${DETECT_DEFAULTS.phoneRegions.join(', ')}.`,
  '',
  '| Detector | TP | FP | FN | Precision | Recall |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...scores.map((s) => `| \`${s.type}\` | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.precision)} | ${pct(s.recall)} |`),
];
const all = overall(scores);
lines.push(`| **all** | ${all.tp} | ${all.fp} | ${all.fn} | ${pct(all.precision)} | ${pct(all.recall)} |`);
if (process.argv.includes('--misses')) {
  lines.push('', '| Miss | Type | Text | Case |', '| --- | --- | --- | --- |');
  for (const m of misses)
    lines.push(
      `| ${m.kind.toUpperCase()} | \`${m.type}\` | \`${JSON.stringify(m.match).slice(1, -1).replaceAll('|', '\\|')}\` | ${m.note} |`,
    );
}
console.log(lines.join('\n'));
