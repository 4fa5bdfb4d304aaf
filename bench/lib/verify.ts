/**
 * Before anything is measured: every corpus entry goes to both servers once, and their outcomes
 * (decision and reason codes) must agree with each other and with the corpus. Otherwise the
 * servers would be timed on different questions, and the comparison would mean nothing.
 */
import type { CorpusEntry } from '../corpus/corpus.ts';
import type { RunningServer } from './servers.ts';

/** One entry the servers disagreed on. */
export interface Disagreement {
  note: string;
  expected: string;
  answers: Record<string, string>;
}

async function ask(server: RunningServer, entry: CorpusEntry): Promise<string> {
  const res = await fetch(server.decisionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: server.body(entry),
  });
  if (res.status !== 200) return `HTTP ${res.status}`;
  const { decision, codes } = server.outcome(await res.json());
  return `${decision} [${codes.join(', ')}]`;
}

/** Sends every entry to every server; returns the entries on which any answer differs from the corpus. */
export async function verifyAgreement(
  servers: readonly RunningServer[],
  corpus: readonly CorpusEntry[],
): Promise<Disagreement[]> {
  const wrong: Disagreement[] = [];
  for (const entry of corpus) {
    const expected = `${entry.expected} [${[...entry.reason_codes].sort().join(', ')}]`;
    const answers: Record<string, string> = {};
    for (const s of servers) answers[s.name] = await ask(s, entry);
    if (Object.values(answers).some((a) => a !== expected)) wrong.push({ note: entry.note, expected, answers });
  }
  return wrong;
}
