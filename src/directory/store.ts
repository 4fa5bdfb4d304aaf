/**
 * Where the SCIM directory is kept: an embedded JSON file (one replica) or PostgreSQL (shared by
 * replicas). Every write bumps one version counter; a replica compares it per decision and reads
 * only the records changed since the version it holds, so a change reaches every replica's next
 * decision without a restart.
 */

/** The two SCIM resource kinds regent serves. */
export type ResourceKind = 'User' | 'Group';

/** One stored resource: its SCIM document (without `meta.location`), or a tombstone after DELETE. */
export interface DirectoryRecord {
  kind: ResourceKind;
  id: string;
  /** The SCIM document as last written, `meta.created` / `meta.lastModified` included. */
  doc: Record<string, unknown>;
  /**
   * Deleted over SCIM. A deleted user stays known (as inactive) so a token or decision naming
   * them is refused rather than falling back to a file entry or an internal-domain default.
   */
  deleted: boolean;
  /** Version of the write that last changed it. */
  version: number;
}

/** What a write stores (the version is the store's). */
export type DirectoryWrite = Omit<DirectoryRecord, 'version'>;

/** A durable directory store. */
export interface DirectoryStore {
  /** The version of the last write (0 when empty); cheap, called per decision. */
  version(): Promise<number>;
  /** Records written after `since`, with the version they bring the reader to, in one consistent read. */
  changes(since: number): Promise<{ version: number; records: DirectoryRecord[] }>;
  /** Stores `writes` atomically; resolves with the new version once durable. */
  write(writes: readonly DirectoryWrite[]): Promise<number>;
  close(): Promise<void>;
}
