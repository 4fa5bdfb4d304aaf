/**
 * Reading the trail back: a session's steps in order, and filtered paging for investigations.
 * Both stores implement `AuditReader`; the cursor is opaque to callers (it names the last seq a
 * page returned) so a store can change how it seeks without breaking clients.
 */
import { AuditQueryError } from './errors.ts';
import type { AuditDecision, AuditRecord, AuditRecordType } from './record.ts';

/** Filters for `search`; every given filter must match. */
export interface SearchQuery {
  agent?: string;
  /** Inclusive lower bound on record time (ISO 8601). */
  since?: string;
  /** Exclusive upper bound on record time (ISO 8601). */
  until?: string;
  decision?: AuditDecision;
  type?: AuditRecordType;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  /** Page size, 1..MAX_PAGE. */
  limit: number;
}

/** One page of search results, oldest first. */
export interface SearchPage {
  records: AuditRecord[];
  /** Pass back as `cursor` for the next page; null when this page reached the end. */
  next_cursor: string | null;
}

/** What both stores answer. */
export interface AuditReader {
  /** Every record of a session (its decisions), in the order they happened. */
  sessionSteps(sessionId: string): Promise<AuditRecord[]>;
  /** Records matching `query`, oldest first, one page at a time. */
  search(query: SearchQuery): Promise<SearchPage>;
}

/** Largest page a search returns. */
export const MAX_PAGE = 1000;

/** A search query with its bounds parsed and checked once. */
export interface NormalizedQuery {
  agent: string | null;
  sinceMs: number | null;
  untilMs: number | null;
  decision: AuditDecision | null;
  type: AuditRecordType | null;
  afterSeq: number;
  limit: number;
}

/** Parses and bounds a query; throws AuditQueryError on a bad limit, time or cursor. */
export function normalizeQuery(query: SearchQuery): NormalizedQuery {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE) {
    throw new AuditQueryError(`limit must be an integer in 1..${MAX_PAGE}`);
  }
  return {
    agent: query.agent ?? null,
    sinceMs: query.since === undefined ? null : parseTime(query.since, 'since'),
    untilMs: query.until === undefined ? null : parseTime(query.until, 'until'),
    decision: query.decision ?? null,
    type: query.type ?? null,
    afterSeq: query.cursor === undefined ? 0 : decodeCursor(query.cursor),
    limit: query.limit,
  };
}

/** True when `record` passes every filter of `query` (the cursor is checked by the caller). */
export function matchesQuery(record: AuditRecord, query: NormalizedQuery): boolean {
  if (query.type !== null && record.type !== query.type) return false;
  if (query.agent !== null && (record.type !== 'decision' || record.agent.id !== query.agent)) return false;
  if (query.decision !== null && (record.type !== 'decision' || record.decision !== query.decision)) return false;
  if (query.sinceMs !== null || query.untilMs !== null) {
    const time = Date.parse(record.time);
    if (query.sinceMs !== null && time < query.sinceMs) return false;
    if (query.untilMs !== null && time >= query.untilMs) return false;
  }
  return true;
}

/** True when `record` belongs to the session `sessionId`. */
export function inSession(record: AuditRecord, sessionId: string): boolean {
  return record.type === 'decision' && record.session !== null && record.session.id === sessionId;
}

/** Wraps the last seq of a page into an opaque cursor. */
export function encodeCursor(lastSeq: number): string {
  return Buffer.from(JSON.stringify({ after: lastSeq }), 'utf8').toString('base64url');
}

/** Reads a cursor back; throws AuditQueryError when it was not made by encodeCursor. */
export function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (Number.isSafeInteger(parsed.after) && (parsed.after as number) >= 0) return parsed.after as number;
  } catch {
    // fall through to the typed error
  }
  throw new AuditQueryError('cursor is not valid');
}

/** Builds a page from up to limit+1 matches: the extra one only says there is more. */
export function toPage(matches: AuditRecord[], limit: number): SearchPage {
  const records = matches.slice(0, limit);
  const last = records.at(-1);
  return {
    records,
    next_cursor: matches.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
  };
}

function parseTime(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AuditQueryError(`${name} is not an ISO 8601 time`);
  return ms;
}
