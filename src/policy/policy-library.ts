/**
 * Serves policy from a Rego directory: compiles it with the pinned OPA toolchain (`opa check`,
 * then `opa build -t wasm` under regent's capabilities) into a revision and swaps it in
 * atomically. The Policy API writes modules to an overlay directory that is compiled on top of
 * the policy directory (an overlay module with the same id replaces the directory's). Compiles
 * run one at a time; a change that does not compile is refused with OPA's errors and the
 * previous revision keeps serving. The policy directory is watched and rebuilt on change.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describeThrown } from '../errors/policy-errors.ts';
import { InvalidParameterError, NotFoundError, RegentError, type ErrorDetail } from '../errors/regent-error.ts';
import type { CompileTrigger, LifecycleMetrics } from '../observability/lifecycle-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { PolicyStore } from './policy-store.ts';
import { idOfFile, policyFile } from './policy-ids.ts';
import { watchDirectory, type DirectoryWatch } from './policy-watcher.ts';
import { buildBundle, formatErrorDetail, PolicyCompileError } from './toolchain/build-bundle.ts';

/** One module as the Policy API shows it (OPA's `{id, raw}`, plus where it lives). */
export interface PolicyModule {
  id: string;
  raw: string;
  origin: 'directory' | 'overlay';
}

/** A change that does not compile: OPA's 400 body, errors located by policy id, row and column. */
export class PolicyCompileFailedError extends RegentError {
  constructor(errors: readonly ErrorDetail[]) {
    super('invalid_parameter', 400, 'error(s) occurred while compiling module(s)', { errors });
  }
}

/** The outcome of the latest compile, for `/v1/status`. */
export interface CompileRecord {
  at: string;
  trigger: CompileTrigger;
  ok: boolean;
  revision?: string;
  duration_ms: number;
  errors?: ErrorDetail[];
}

/** What a successful change did. */
export interface ChangeResult {
  revision: string;
  /** False when the sources compiled to the revision already serving (nothing swapped). */
  activated: boolean;
}

/** Options for {@link PolicyLibrary}. */
export interface PolicyLibraryOptions {
  policyDir: string;
  overlayDir: string;
  policies: PolicyStore;
  /** The capabilities document (computed once, shared with other builds). */
  capabilities: () => Promise<object>;
  opaBin?: string;
  lifecycle: LifecycleMetrics;
  logger: Logger;
  watch: boolean;
  debounceMs?: number;
}

/** Source name recorded for revisions built from Policy API changes. */
const API_SOURCE = 'policy-api';

/** Relative POSIX paths of the `.rego` modules under `root` (none when it does not exist). */
async function regoFiles(root: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = path.posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await regoFiles(root, rel)));
    else if (e.isFile() && idOfFile(rel) !== undefined) out.push(rel);
  }
  return out.sort();
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** A policy directory plus its Policy API overlay, compiled into revisions. */
export class PolicyLibrary {
  private readonly options: PolicyLibraryOptions;
  private readonly policyDir: string;
  private readonly overlayDir: string;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private last: CompileRecord | undefined;
  private watcher: DirectoryWatch | undefined;
  private watchQueued = false;

  constructor(options: PolicyLibraryOptions) {
    this.options = options;
    this.policyDir = path.resolve(options.policyDir);
    this.overlayDir = path.resolve(options.overlayDir);
    const inside = (a: string, b: string) => a === b || a.startsWith(b + path.sep);
    if (inside(this.overlayDir, this.policyDir) || inside(this.policyDir, this.overlayDir)) {
      throw new Error(
        `the policy overlay directory (${this.overlayDir}) and the policy directory (${this.policyDir}) must not contain each other`,
      );
    }
  }

  /** Compiles and activates the directory (a failure is logged; regent stays not ready), then starts watching. */
  async start(): Promise<void> {
    await mkdir(this.overlayDir, { recursive: true });
    await this.rebuild('start');
    if (this.options.watch) {
      this.watcher = watchDirectory(
        this.policyDir,
        this.options.debounceMs ?? 200,
        () => this.onWatch(),
        (err) =>
          this.options.logger.error('policy directory watch failed; changes are no longer picked up', {
            error: err.message,
          }),
      );
    }
  }

  /** Every module, overlay modules replacing directory modules with the same id, sorted by id. */
  async list(): Promise<PolicyModule[]> {
    const modules = new Map<string, PolicyModule>();
    for (const [root, origin] of [
      [this.policyDir, 'directory'],
      [this.overlayDir, 'overlay'],
    ] as const) {
      for (const rel of await regoFiles(root)) {
        const id = idOfFile(rel) as string;
        modules.set(id, { id, raw: await readFile(path.join(root, rel), 'utf8'), origin });
      }
    }
    return [...modules.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One module by id; throws NotFoundError (404 `resource_not_found`). */
  async get(id: string): Promise<PolicyModule> {
    for (const [root, origin] of [
      [this.overlayDir, 'overlay'],
      [this.policyDir, 'directory'],
    ] as const) {
      try {
        return { id, raw: await readFile(policyFile(root, id), 'utf8'), origin };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new NotFoundError(`policy id ${JSON.stringify(id)} not found`);
  }

  /** Compiles the sources with `id` set to `raw`; only if they compile is the module saved and the revision swapped in. */
  put(id: string, raw: string): Promise<ChangeResult> {
    const file = policyFile(this.overlayDir, id);
    return this.serial(async () => {
      const result = await this.compileAndActivate('api', { id, raw }, async () => {
        const previous = await readFile(file, 'utf8').catch(() => undefined);
        await mkdir(path.dirname(file), { recursive: true });
        await writeAtomically(file, raw);
        return () => (previous === undefined ? rm(file, { force: true }) : writeAtomically(file, previous));
      });
      return result;
    });
  }

  /** Removes an overlay module (a directory module with the same id comes back) if the rest still compiles. */
  remove(id: string): Promise<ChangeResult> {
    const file = policyFile(this.overlayDir, id);
    return this.serial(async () => {
      if (!(await exists(file))) {
        if (await exists(policyFile(this.policyDir, id))) {
          throw new InvalidParameterError(
            `policy id ${JSON.stringify(id)} is owned by the policy directory; change it there`,
          );
        }
        throw new NotFoundError(`policy id ${JSON.stringify(id)} not found`);
      }
      return this.compileAndActivate('api', { id, remove: true }, async () => {
        const previous = await readFile(file, 'utf8');
        await rm(file);
        return () => writeAtomically(file, previous);
      });
    });
  }

  /** Recompiles the directory and overlay as they are now; failures are recorded, never thrown. */
  rebuild(trigger: 'start' | 'watch'): Promise<void> {
    return this.serial(() => this.rebuildNow(trigger));
  }

  /** State for `/v1/status`. */
  state(): Record<string, unknown> {
    return {
      directory: this.policyDir,
      overlay: this.overlayDir,
      watching: this.watcher !== undefined,
      compiles_pending: this.pending,
      last_compile: this.last ?? null,
    };
  }

  /** Stops watching and waits for a compile in progress. */
  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    await this.tail.catch(() => undefined);
  }

  private onWatch(): void {
    // One queued rebuild covers every change made before it starts.
    if (this.watchQueued) return;
    this.watchQueued = true;
    void this.serial(() => {
      this.watchQueued = false;
      return this.rebuildNow('watch');
    });
  }

  private async rebuildNow(trigger: 'start' | 'watch'): Promise<void> {
    try {
      await this.compileAndActivate(trigger, undefined, () => Promise.resolve(() => Promise.resolve()));
    } catch (err) {
      const details =
        err instanceof PolicyCompileFailedError ? err.errors.map(formatErrorDetail) : [describeThrown(err)];
      this.options.policies.recordFailure(this.policyDir, new Error(details.join('; ')));
    }
  }

  /** Runs `fn` after every earlier compile has finished, so compiles never overlap. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(fn).finally(() => this.pending--);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Stages directory + overlay + `change` in a temporary folder, compiles it, and if it compiles
   * runs `persist` (which returns its own undo), then activates the bundle; when activation
   * fails, the undo puts the overlay back as it was.
   */
  private async compileAndActivate(
    trigger: CompileTrigger,
    change: { id: string; raw: string } | { id: string; remove: true } | undefined,
    persist: () => Promise<() => Promise<unknown>>,
  ): Promise<ChangeResult> {
    const started = Date.now();
    const end = this.options.lifecycle.compileDuration.labels(trigger).startTimer();
    const work = await mkdtemp(path.join(tmpdir(), 'regent-policies-'));
    const src = path.join(work, 'src');
    try {
      await cp(this.policyDir, src, { recursive: true });
      const skip = change === undefined ? undefined : policyFile(this.overlayDir, change.id);
      if (await exists(this.overlayDir))
        await cp(this.overlayDir, src, { recursive: true, force: true, filter: (from) => from !== skip });
      if (change !== undefined && 'raw' in change) {
        const target = policyFile(src, change.id);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, change.raw);
      }
      const outFile = path.join(work, 'bundle.tar.gz');
      let revision: string;
      try {
        ({ revision } = await buildBundle({
          sourceDir: src,
          outFile,
          capabilities: await this.options.capabilities(),
          ...(this.options.opaBin === undefined ? {} : { opaBin: this.options.opaBin }),
        }));
      } catch (err) {
        if (!(err instanceof PolicyCompileError)) throw err;
        const errors = err.errors.map((e) => locate(e, src));
        this.record(trigger, started, { ok: false, errors });
        this.options.logger.warn('policy change does not compile; the active revision keeps serving', {
          trigger,
          errors: errors.map(formatErrorDetail),
        });
        throw new PolicyCompileFailedError(errors);
      }
      const undo = await persist();
      if (this.options.policies.current()?.revision === revision) {
        this.record(trigger, started, { ok: true, revision });
        return { revision, activated: false };
      }
      try {
        await this.options.policies.loadBytes(await readFile(outFile), trigger === 'api' ? API_SOURCE : this.policyDir);
      } catch (err) {
        await undo();
        this.record(trigger, started, { ok: false, errors: [{ code: 'bundle_error', message: describeThrown(err) }] });
        throw err;
      }
      this.record(trigger, started, { ok: true, revision });
      return { revision, activated: true };
    } finally {
      end();
      await rm(work, { recursive: true, force: true });
    }
  }

  private record(
    trigger: CompileTrigger,
    started: number,
    outcome: { ok: boolean; revision?: string; errors?: ErrorDetail[] },
  ): void {
    this.options.lifecycle.compiles.labels(trigger, outcome.ok ? 'success' : 'failure').inc();
    this.last = { at: new Date().toISOString(), trigger, duration_ms: Date.now() - started, ...outcome };
  }
}

/** Names an error's file by policy id (as OPA's Policy API does), never by the staging path. */
function locate(e: ErrorDetail, stagedRoot: string): ErrorDetail {
  if (e.location === undefined) return { ...e, message: e.message.split(stagedRoot + path.sep).join('') };
  const rel = path.relative(stagedRoot, e.location.file).split(path.sep).join('/');
  const file = rel.startsWith('..') ? path.basename(e.location.file) : (idOfFile(rel) ?? rel);
  return { ...e, message: e.message.split(stagedRoot + path.sep).join(''), location: { ...e.location, file } };
}

/** Writes through a temporary file and a rename, so readers see the old or the new module, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
