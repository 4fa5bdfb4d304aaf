/**
 * The SCIM directory of one replica: the store, the in-memory snapshot decisions read, and the
 * changes SCIM makes. `current()` brings the snapshot up to the store's version before a decision
 * that names a person; concurrent decisions share one version read, but never one that started
 * before they did, so a decision that starts after a change's 2xx always sees it.
 */
import type { DecisionRequest } from '../decision/decision-request.ts';
import type { PrincipalDirectory } from '../catalogue/resolve.ts';
import { DirectorySnapshot } from './snapshot.ts';
import type { DirectoryRecord, DirectoryStore, DirectoryWrite, ResourceKind } from './store.ts';

/** The SCIM directory as decisions and the SCIM routes use it. */
export class Directory {
  readonly snapshot = new DirectorySnapshot();
  private readonly store: DirectoryStore;
  /** The version read in flight, and whether a decision arriving now may still join it. */
  private inflight: { done: Promise<void>; joinable: boolean } | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(store: DirectoryStore) {
    this.store = store;
  }

  /** Loads every record; call once before serving. */
  async start(): Promise<void> {
    const { version, records } = await this.store.changes(0);
    this.snapshot.apply(records, version);
  }

  /**
   * The directory for one decision, current as of a read that started after the call; nothing
   * is read when the request names no person (no principal, no recipients). Rejects when the
   * store cannot be read: the caller denies.
   */
  async current(request?: DecisionRequest): Promise<PrincipalDirectory> {
    if (request !== undefined && !namesPeople(request)) return this.snapshot;
    await this.sync();
    return this.snapshot;
  }

  /** Brings the snapshot up to the store's version (shared by callers that arrive together). */
  sync(): Promise<void> {
    const open = this.inflight;
    if (open?.joinable === true) return open.done;
    // The read in flight started before this caller: wait for it, then start (or join) the next.
    const next = { done: Promise.resolve(), joinable: true };
    next.done = (open?.done.catch(() => undefined) ?? Promise.resolve())
      .then(async () => {
        next.joinable = false;
        const version = await this.store.version();
        if (version === this.snapshot.version) return;
        const changed = await this.store.changes(this.snapshot.version);
        this.snapshot.apply(changed.records, changed.version);
      })
      .finally(() => {
        if (this.inflight === next) this.inflight = undefined;
      });
    this.inflight = next;
    return next.done;
  }

  /**
   * Runs `change` with the snapshot current and no other change of this replica in between, then
   * stores what it returns and applies it. Across replicas, uniqueness is checked against the
   * snapshot as of the start of the change.
   */
  async change<T>(change: () => { writes: DirectoryWrite[]; result: T }): Promise<T> {
    const run = this.writes.then(async () => {
      await this.sync();
      const { writes, result } = change();
      if (writes.length > 0) {
        const version = await this.store.write(writes);
        // Records between our last read and our write came from other replicas: read them too.
        if (version !== this.snapshot.version + 1) await this.sync();
        else
          this.snapshot.apply(
            writes.map((w): DirectoryRecord => ({ ...w, version })),
            version,
          );
      }
      return result;
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** A live record by kind and SCIM id. */
  get(kind: ResourceKind, id: string): DirectoryRecord | undefined {
    const r = (kind === 'User' ? this.snapshot.users : this.snapshot.groups).get(id);
    return r === undefined || r.deleted ? undefined : r;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function namesPeople(request: DecisionRequest): boolean {
  return request.agent.on_behalf_of !== undefined || (request.data_flow?.destination?.recipients?.length ?? 0) > 0;
}
