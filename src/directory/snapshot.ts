/**
 * The directory as a replica holds it in memory: the stored records, indexed so the trust rule
 * (src/catalogue/resolve.ts) finds a principal by SCIM id, userName, externalId or e-mail without
 * any I/O. Rebuilt incrementally from the records a store reports changed.
 */
import type { DirectoryEntry, PrincipalDirectory } from '../catalogue/resolve.ts';
import type { DirectoryRecord } from './store.ts';

/** The extension schema whose `clearance` attribute carries a user's clearance. */
export const GOVERNANCE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:regent:2.0:User';

/** The in-memory directory of one replica. */
export class DirectorySnapshot implements PrincipalDirectory {
  /** Version of the last write applied. */
  version = 0;
  readonly users = new Map<string, DirectoryRecord>();
  readonly groups = new Map<string, DirectoryRecord>();
  private index: Map<string, string> | undefined;
  private memberOf: Map<string, string[]> | undefined;

  /** Applies records read from the store (in version order). */
  apply(records: readonly DirectoryRecord[], version: number): void {
    for (const r of records) (r.kind === 'User' ? this.users : this.groups).set(r.id, r);
    this.version = version;
    if (records.length > 0) {
      this.index = undefined;
      this.memberOf = undefined;
    }
  }

  /** The live (not deleted) records of a kind. */
  live(kind: 'User' | 'Group'): DirectoryRecord[] {
    return [...(kind === 'User' ? this.users : this.groups).values()].filter((r) => !r.deleted);
  }

  /** Display names of the live groups the user is a member of. */
  groupsOf(userId: string): string[] {
    if (this.memberOf === undefined) {
      const memberOf = new Map<string, string[]>();
      for (const g of this.groups.values()) {
        if (g.deleted) continue;
        const name = typeof g.doc['displayName'] === 'string' ? g.doc['displayName'] : g.id;
        for (const m of members(g.doc)) memberOf.set(m, [...(memberOf.get(m) ?? []), name]);
      }
      this.memberOf = memberOf;
    }
    return [...(this.memberOf.get(userId) ?? [])].sort();
  }

  lookup(name: string): DirectoryEntry | undefined {
    if (this.index === undefined) this.index = this.buildIndex();
    const id = this.index.get(name) ?? this.index.get(name.toLowerCase());
    const user = id === undefined ? undefined : this.users.get(id);
    if (user === undefined) return undefined;
    if (user.deleted || user.doc['active'] === false) return { active: false, clearance: null, groups: [] };
    const ext = user.doc[GOVERNANCE_SCHEMA];
    const clearance =
      ext !== null && typeof ext === 'object' && typeof (ext as Record<string, unknown>)['clearance'] === 'string'
        ? ((ext as Record<string, unknown>)['clearance'] as string)
        : null;
    return { active: true, clearance, groups: this.groupsOf(user.id) };
  }

  /**
   * Name -> user id. SCIM ids and externalIds match exactly, userNames and e-mails ignoring case
   * (RFC 7643: userName is not case-exact). A live user wins over a deleted one with the same
   * name (a rehire), and a name two live users share is left out: ambiguity is not a principal.
   */
  private buildIndex(): Map<string, string> {
    const index = new Map<string, string>();
    const ambiguous = new Set<string>();
    const ordered = [...this.users.values()].sort((a, b) => Number(!a.deleted) - Number(!b.deleted));
    const claimed = new Map<string, boolean>();
    for (const u of ordered) {
      const names = new Set<string>([u.id]);
      if (typeof u.doc['externalId'] === 'string') names.add(u.doc['externalId']);
      if (typeof u.doc['userName'] === 'string') names.add(u.doc['userName'].toLowerCase());
      for (const e of emails(u.doc)) names.add(e.toLowerCase());
      for (const n of names) {
        const prior = claimed.get(n);
        if (prior === true && !u.deleted) ambiguous.add(n);
        index.set(n, u.id);
        claimed.set(n, !u.deleted);
      }
    }
    for (const n of ambiguous) index.delete(n);
    return index;
  }
}

/** Member user ids of a group document. */
export function members(doc: Record<string, unknown>): string[] {
  const list = doc['members'];
  if (!Array.isArray(list)) return [];
  return list
    .map((m) => (m !== null && typeof m === 'object' ? (m as Record<string, unknown>)['value'] : undefined))
    .filter((v): v is string => typeof v === 'string');
}

function emails(doc: Record<string, unknown>): string[] {
  const list = doc['emails'];
  if (!Array.isArray(list)) return [];
  return list
    .map((m) => (m !== null && typeof m === 'object' ? (m as Record<string, unknown>)['value'] : undefined))
    .filter((v): v is string => typeof v === 'string');
}
