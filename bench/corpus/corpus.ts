/** The committed benchmark corpus (corpus.json, written by generate.ts) and its entry type. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';

/** One committed corpus entry. */
export interface CorpusEntry {
  note: string;
  /** Body of regent's POST /v1/decisions. */
  request: DecisionRequest;
  /** `input` of OPA's POST /v1/data/regent/decision, as regent builds it. */
  input: Record<string, unknown>;
  /** The outcome OPA gave at generation time. */
  expected: 'allow' | 'deny' | 'redact';
  /** Reason codes OPA gave at generation time, in the policy's order. */
  reason_codes: string[];
}

/** Where the corpus lives. */
export const CORPUS_FILE = path.join(import.meta.dirname, 'corpus.json');

/** Reads the committed corpus. */
export function readCorpus(): CorpusEntry[] {
  return JSON.parse(readFileSync(CORPUS_FILE, 'utf8')) as CorpusEntry[];
}
