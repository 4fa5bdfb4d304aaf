/**
 * Holds the active policy revision and swaps it atomically. A decision takes one reference to
 * the active revision at its start and uses it to the end, so a swap never mixes revisions
 * within one decision. A failed load leaves the previous revision serving.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../observability/logger.ts';
import { setActiveRevision, type Metrics } from '../observability/metrics.ts';
import { BundleError, describeThrown } from '../errors/policy-errors.ts';
import { readBundle, type Bundle } from './bundle/read-bundle.ts';
import { WasmEngine, jsonToInputBuffer, type HostBuiltins } from './wasm-engine.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator/evaluator.ts';
import { createEvaluator } from './evaluator/create-evaluator.ts';

/** A revision ready to decide with. */
export interface ActivePolicy {
  revision: string;
  /** Evaluates this revision (worker threads with a deadline, or in-thread). */
  evaluator: Evaluator;
  /** An in-thread instance of the same revision, for its entrypoint table and cheap lookups. */
  engine: WasmEngine;
  bundle: Bundle;
  activatedAt: Date;
  /** Where it came from (a file path, a URL, `policy-api`). */
  source: string;
}

/** The outcome of the latest load attempt, for `/v1/status` and `/health?bundles`. */
export interface LoadAttempt {
  source: string;
  at: Date;
  ok: boolean;
  revision?: string;
  error?: string;
}

/** Options for {@link PolicyStore}. */
export interface PolicyStoreOptions {
  maxMemoryPages: number;
  /** How evaluations run; defaults to in-thread with no deadline (tests of the store itself). */
  evaluator?: EvaluatorOptions;
  /** Creates the host builtins for one engine instance. */
  createBuiltins?: () => HostBuiltins;
  metrics: Metrics;
  logger: Logger;
}

/** The active revision and its history of load attempts. */
export class PolicyStore {
  private active: ActivePolicy | undefined;
  private lastAttempt: LoadAttempt | undefined;
  private readonly options: PolicyStoreOptions;
  private readonly listeners: ((policy: ActivePolicy) => void)[] = [];
  /** In-flight users of each revision, so a superseded revision closes only when they are done. */
  private readonly users = new Map<ActivePolicy, number>();

  constructor(options: PolicyStoreOptions) {
    this.options = options;
  }

  /** The revision serving now, or undefined before the first successful load. */
  current(): ActivePolicy | undefined {
    return this.active;
  }

  /** The latest load attempt, successful or not. */
  lastLoad(): LoadAttempt | undefined {
    return this.lastAttempt;
  }

  /**
   * Takes a reference to the active revision for one decision; call `release` when done. A swap
   * never pulls a revision from under a decision that holds it.
   */
  acquire(): { policy: ActivePolicy; release: () => void } | undefined {
    const policy = this.active;
    if (policy === undefined) return undefined;
    this.users.set(policy, (this.users.get(policy) ?? 0) + 1);
    let released = false;
    return {
      policy,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.users.get(policy) ?? 1) - 1;
        if (left > 0 || policy === this.active) this.users.set(policy, left);
        else {
          this.users.delete(policy);
          void policy.evaluator.close();
        }
      },
    };
  }

  /** Closes the active revision's evaluator (process shutdown). */
  async close(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    await active?.evaluator.close();
  }

  /** Calls `listener` after every activation (audit records, shadow mode). */
  onActivate(listener: (policy: ActivePolicy) => void): void {
    this.listeners.push(listener);
  }

  /** Loads a bundle file and activates it; on failure records the error and keeps the previous revision. */
  async loadFile(path: string): Promise<ActivePolicy> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      this.fail(path, err);
      throw err;
    }
    return this.loadBytes(bytes, path);
  }

  /** Parses, instantiates and activates bundle bytes from `source`. */
  async loadBytes(bytes: Uint8Array, source: string): Promise<ActivePolicy> {
    try {
      const bundle = await readBundle(bytes);
      return await this.activate(bundle, source);
    } catch (err) {
      this.fail(source, err);
      throw err;
    }
  }

  /** Instantiates an already-read bundle and swaps it in. */
  async activate(bundle: Bundle, source: string): Promise<ActivePolicy> {
    const engine = await WasmEngine.load(bundle, {
      maxMemoryPages: this.options.maxMemoryPages,
      ...(this.options.createBuiltins === undefined ? {} : { builtins: this.options.createBuiltins() }),
    });
    checkConfiguration(engine);
    const options = this.options.evaluator ?? {
      maxMemoryPages: this.options.maxMemoryPages,
      recycleAboveBytes: Infinity,
      timeoutMs: Infinity,
      workers: 0,
      maxQueue: Infinity,
    };
    const evaluator = await createEvaluator(bundle, options);
    const policy: ActivePolicy = {
      revision: bundle.manifest.revision,
      evaluator,
      engine,
      bundle,
      activatedAt: new Date(),
      source,
    };
    const previous = this.active;
    this.active = policy;
    if (previous !== undefined && (this.users.get(previous) ?? 0) === 0) {
      this.users.delete(previous);
      void previous.evaluator.close();
    }
    this.lastAttempt = { source, at: policy.activatedAt, ok: true, revision: policy.revision };
    this.options.metrics.bundleLoads.labels('success').inc();
    setActiveRevision(this.options.metrics, policy.revision);
    this.options.logger.info('policy revision activated', {
      revision: policy.revision,
      source,
      entrypoints: [...engine.entrypoints],
    });
    for (const listener of this.listeners) listener(policy);
    return policy;
  }

  /** Records a failed attempt to produce a revision elsewhere (a policy directory that does not compile); the active revision keeps serving. */
  recordFailure(source: string, err: unknown): void {
    this.fail(source, err);
  }

  private fail(source: string, err: unknown): void {
    const error = describeThrown(err);
    this.lastAttempt = { source, at: new Date(), ok: false, error };
    this.options.metrics.bundleLoads.labels('failure').inc();
    this.options.logger.error('bundle load failed; the previous revision keeps serving', {
      source,
      error,
      active_revision: this.active?.revision ?? null,
    });
  }
}

/** The entrypoint that lists the configuration's problems (rego/regent/config_check). */
export const CONFIG_CHECK_ENTRYPOINT = 'regent/config_check/problems';

/**
 * Refuses a revision whose configuration (the catalogue in `data.regent.config`) has problems,
 * listing every one, so a typo never serves: a role naming an unknown tool, a label or audience
 * whose classification is not in the lattice, a destination or principal the policy cannot
 * place. A revision that does not compile the check (a library without rego/regent/config_check)
 * is not checked here.
 */
export function checkConfiguration(engine: WasmEngine): void {
  const list = configurationProblems(engine);
  if (list.length > 0) {
    throw new BundleError(
      `the configuration has ${list.length} problem(s), so this revision is refused: ${list.join('; ')}`,
    );
  }
}

/** The configuration problems a revision's own check reports (none when it has no check). */
export function configurationProblems(engine: WasmEngine): string[] {
  if (!engine.entrypoints.has(CONFIG_CHECK_ENTRYPOINT)) return [];
  const problems = engine.evaluate(CONFIG_CHECK_ENTRYPOINT, jsonToInputBuffer('{}'));
  if (!Array.isArray(problems)) {
    throw new BundleError(`${CONFIG_CHECK_ENTRYPOINT} did not return a list of problems`);
  }
  return problems.map(String).sort();
}
