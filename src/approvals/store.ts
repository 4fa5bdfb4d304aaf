/**
 * The interface every approval store implements (file, PostgreSQL, Redis). Every change is a
 * compare-and-set on the approval's `version`, and creation is a compare-and-set on the latest
 * request for a digest, so replicas sharing a store agree on who won: one approval, one use.
 */
import type { Approval, ApprovalState } from './approval.ts';

/** Filters and paging for {@link ApprovalStore.list}; newest first. */
export interface ApprovalQuery {
  state?: ApprovalState;
  agent?: string;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  limit: number;
}

/** One page of approvals, newest first. */
export interface ApprovalPage {
  approvals: Approval[];
  next_cursor: string | null;
}

/** Where approval requests live. Every method rejects ApprovalStoreUnavailableError when the store cannot answer. */
export interface ApprovalStore {
  /** The latest request for `digest` (by creation), or null. */
  latest(digest: string): Promise<Approval | null>;
  /**
   * Stores `approval` if the latest request for its digest is still `expectedLatest` (an id, or
   * null for none). Returns false, storing nothing, when another request got there first.
   */
  create(approval: Approval, expectedLatest: string | null): Promise<boolean>;
  get(id: string): Promise<Approval | null>;
  /** Replaces the approval if its stored version is still `next.version - 1`; false otherwise. */
  update(next: Approval): Promise<boolean>;
  list(query: ApprovalQuery): Promise<ApprovalPage>;
  /** Open requests (pending or approved) whose expiry is at or before `nowMs`, up to `limit`. */
  lapsed(nowMs: number, limit: number): Promise<Approval[]>;
  /** How many requests are pending now. */
  countPending(): Promise<number>;
  /** Forgets final requests that expired before `beforeMs` (retention); returns how many. */
  purge(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Largest page {@link ApprovalStore.list} returns. */
export const MAX_APPROVAL_PAGE = 200;

/** Cursor of a newest-first listing: the creation time and id of the last approval on the page. */
export function encodeCursor(approval: Approval): string {
  return Buffer.from(JSON.stringify([approval.created_at, approval.id]), 'utf8').toString('base64url');
}

/** Reads a cursor back; null when it was not made by {@link encodeCursor}. */
export function decodeCursor(cursor: string): { created_at: string; id: string } | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string')
      return { created_at: parsed[0], id: parsed[1] };
  } catch {
    // fall through
  }
  return null;
}

/** Newest first: by creation time, then id (both descending). */
export function newestFirst(a: Approval, b: Approval): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `approval` comes after the cursor position in a newest-first listing. */
export function afterCursor(approval: Approval, cursor: { created_at: string; id: string }): boolean {
  return newestFirst(approval, { created_at: cursor.created_at, id: cursor.id } as Approval) > 0;
}

/** True when `approval` passes the query's filters (not the cursor). */
export function matches(approval: Approval, query: ApprovalQuery): boolean {
  if (query.state !== undefined && approval.state !== query.state) return false;
  if (query.agent !== undefined && approval.agent !== query.agent) return false;
  return true;
}
