/**
 * Shadow mode: a candidate revision runs beside the active one on live decisions without
 * touching their answers. The decision service offers each answered decision; the offer only
 * enqueues (bounded in count and bytes: when full the decision is dropped and counted), and the
 * queue drains one evaluation at a time on the candidate's own evaluator, after the response.
 * A candidate that disagrees (outcome, reason codes or redacted paths) is counted by outcome
 * pair and logged with both sides' reason codes, never with input values.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DECISION_ENTRYPOINT, type ShadowOffer, type ShadowPort } from '../decision/decision-service.ts';
import { toPolicyDecision } from '../decision/policy-result.ts';
import { BundleError, PolicyEvaluationError, describeThrown } from '../errors/policy-errors.ts';
import type { LifecycleMetrics } from '../observability/lifecycle-metrics.ts';
import type { Logger } from '../observability/logger.ts';
import type { DecisionOutcome } from '../observability/metrics.ts';
import { openBundle } from './bundle/load-bundle.ts';
import { readBundle, type Bundle } from './bundle/read-bundle.ts';
import { BundleVerificationError } from './bundle/verification-error.ts';
import type { VerificationConfig } from './bundle/verify-bundle.ts';
import type { Evaluator, EvaluatorOptions } from './evaluator/evaluator.ts';
import { createEvaluator } from './evaluator/create-evaluator.ts';
import { PolicyCompileFailedError } from './policy-library.ts';
import { buildBundle, PolicyCompileError } from './toolchain/build-bundle.ts';

/** Options for {@link ShadowRunner}. */
export interface ShadowOptions {
  /** How the candidate evaluates (its own single worker unless evaluation is in-thread). */
  evaluator: EvaluatorOptions;
  /** Most decisions waiting for shadow evaluation. */
  queueSize: number;
  /** Most input bytes waiting (inputs may be large); past it decisions are dropped too. */
  queueBytes?: number;
  capabilities: () => Promise<object>;
  opaBin?: string;
  lifecycle: LifecycleMetrics;
  logger: Logger;
  /**
   * The serving bundle's signing keys (REGENT_BUNDLE_VERIFICATION). When set, an uploaded
   * candidate must pass the same verification: it runs in-process on live inputs, so it is
   * policy code like the serving bundle. A candidate compiled from the configured directory is
   * built here from the operator's own files and is not signed.
   */
  verification?: VerificationConfig;
  /** Called with the reason of each rejected signature (regent_bundle_verification_failures_total). */
  onVerificationFailure?: (reason: string) => void;
}

interface Candidate {
  revision: string;
  source: string;
  loadedAt: Date;
  evaluator: Evaluator;
  retired: boolean;
}

/** What one side decided, as compared. */
interface Verdict {
  decision: DecisionOutcome;
  reason_codes: string[];
  redacted_paths: string[];
}

const DEFAULT_QUEUE_BYTES = 64 * 1024 * 1024;

const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort();
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs a candidate revision beside the active one. */
export class ShadowRunner implements ShadowPort {
  private readonly options: ShadowOptions;
  private candidate: Candidate | undefined;
  private readonly queue: ShadowOffer[] = [];
  private queuedBytes = 0;
  private draining = false;
  private evaluated = 0;
  private dropped = 0;
  private readonly disagreements = new Map<string, number>();
  private lastLoad: { at: string; source: string; ok: boolean; revision?: string; error?: string } | undefined;

  constructor(options: ShadowOptions) {
    this.options = options;
  }

  /** Enqueues an answered decision for the candidate; O(1), never throws, never waits. */
  offer(event: ShadowOffer): void {
    if (this.candidate === undefined) return;
    const bytes = event.inputJson.length;
    if (
      this.queue.length >= this.options.queueSize ||
      this.queuedBytes + bytes > (this.options.queueBytes ?? DEFAULT_QUEUE_BYTES)
    ) {
      this.dropped++;
      this.options.lifecycle.shadowDropped.inc();
      return;
    }
    this.queue.push(event);
    this.queuedBytes += bytes;
    this.options.lifecycle.shadowQueueDepth.set(this.queue.length);
    if (!this.draining) {
      this.draining = true;
      // After the current I/O turn: the live response is written before any shadow work starts.
      setImmediate(() => void this.drain());
    }
  }

  /**
   * Loads uploaded bundle bytes as the candidate, replacing any previous one; throws BundleError
   * when unusable, BundleVerificationError when verification is configured and the signature fails.
   */
  async loadBytes(bytes: Uint8Array, source: string): Promise<{ revision: string }> {
    return this.install(source, async () => {
      try {
        return (await openBundle(bytes, this.options.verification)).bundle;
      } catch (err) {
        if (err instanceof BundleVerificationError) this.options.onVerificationFailure?.(err.reason);
        throw err;
      }
    });
  }

  /** Reads a bundle with `read` and makes it the candidate; every failure is recorded for /v1/shadow. */
  private async install(source: string, read: () => Promise<Bundle>): Promise<{ revision: string }> {
    try {
      const bundle = await read();
      if (!bundle.manifest.wasm.some((w) => w.entrypoint === DECISION_ENTRYPOINT)) {
        throw new BundleError(`the candidate does not compile the ${DECISION_ENTRYPOINT} entrypoint`);
      }
      const o = this.options.evaluator;
      // One worker: shadow evaluations must not take cores from live traffic.
      const evaluator = await createEvaluator(bundle, { ...o, workers: o.workers === 0 ? 0 : 1 });
      this.retire();
      this.candidate = { revision: bundle.manifest.revision, source, loadedAt: new Date(), evaluator, retired: false };
      this.lastLoad = { at: new Date().toISOString(), source, ok: true, revision: bundle.manifest.revision };
      this.options.logger.info('shadow candidate loaded', { revision: bundle.manifest.revision, source });
      return { revision: bundle.manifest.revision };
    } catch (err) {
      this.lastLoad = { at: new Date().toISOString(), source, ok: false, error: describeThrown(err) };
      this.options.logger.warn('shadow candidate not loaded', { source, error: describeThrown(err) });
      throw err;
    }
  }

  /** Compiles a Rego directory with the pinned toolchain and loads it as the candidate. */
  async loadDirectory(dir: string): Promise<{ revision: string }> {
    const work = await mkdtemp(path.join(tmpdir(), 'regent-shadow-'));
    const end = this.options.lifecycle.compileDuration.labels('shadow').startTimer();
    try {
      const outFile = path.join(work, 'bundle.tar.gz');
      try {
        await buildBundle({
          sourceDir: dir,
          outFile,
          capabilities: await this.options.capabilities(),
          ...(this.options.opaBin === undefined ? {} : { opaBin: this.options.opaBin }),
        });
      } catch (err) {
        this.options.lifecycle.compiles.labels('shadow', 'failure').inc();
        this.lastLoad = { at: new Date().toISOString(), source: dir, ok: false, error: describeThrown(err) };
        this.options.logger.warn('shadow candidate does not compile', { source: dir, error: describeThrown(err) });
        throw err instanceof PolicyCompileError ? new PolicyCompileFailedError(err.errors) : err;
      }
      this.options.lifecycle.compiles.labels('shadow', 'success').inc();
      // Built here from the operator's directory: parsed, not signature-checked (see `verification`).
      return await this.install(dir, async () => readBundle(await readFile(outFile)));
    } finally {
      end();
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Stops shadowing (queued decisions are discarded); counters are kept. */
  stop(): void {
    this.retire();
    this.options.logger.info('shadow mode stopped');
  }

  /** Shadow state for `/v1/shadow` and `/v1/status`. */
  state(): Record<string, unknown> {
    const c = this.candidate;
    return {
      enabled: c !== undefined,
      candidate:
        c === undefined ? null : { revision: c.revision, source: c.source, loaded_at: c.loadedAt.toISOString() },
      last_load: this.lastLoad ?? null,
      queue: { depth: this.queue.length, capacity: this.options.queueSize },
      evaluated: this.evaluated,
      dropped: this.dropped,
      disagreements: Object.fromEntries([...this.disagreements].sort()),
    };
  }

  /** Stops shadowing and releases the candidate's workers. */
  async close(): Promise<void> {
    const c = this.candidate;
    this.retire();
    await c?.evaluator.close();
  }

  private retire(): void {
    const old = this.candidate;
    this.candidate = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.options.lifecycle.shadowQueueDepth.set(0);
    if (old !== undefined) {
      old.retired = true;
      void old.evaluator.close();
    }
  }

  private async drain(): Promise<void> {
    try {
      for (let event = this.queue.shift(); event !== undefined; event = this.queue.shift()) {
        this.queuedBytes -= event.inputJson.length;
        this.options.lifecycle.shadowQueueDepth.set(this.queue.length);
        const candidate = this.candidate;
        if (candidate === undefined) break;
        await this.compare(candidate, event);
      }
    } catch (err) {
      this.options.logger.error('shadow evaluation failed unexpectedly', { error: describeThrown(err) });
    } finally {
      this.draining = false;
      if (this.queue.length > 0) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  private async compare(candidate: Candidate, event: ShadowOffer): Promise<void> {
    let verdict: Verdict;
    try {
      const d = toPolicyDecision(await candidate.evaluator.evaluate(DECISION_ENTRYPOINT, event.inputJson));
      verdict = {
        decision: d.decision,
        reason_codes: d.reasons.map((r) => r.code),
        redacted_paths: d.decision === 'redact' ? d.redactions.map((r) => r.path) : [],
      };
    } catch (err) {
      // The candidate fails closed exactly as the live path would.
      verdict = {
        decision: 'deny',
        reason_codes: [err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error'],
        redacted_paths: [],
      };
    }
    // Replaced or stopped meanwhile: its answer no longer describes the candidate under test.
    if (candidate.retired) return;
    this.evaluated++;
    this.options.lifecycle.shadowEvaluations.inc();
    const active: Verdict = {
      decision: event.decision,
      reason_codes: event.reasonCodes,
      redacted_paths: event.redactedPaths,
    };
    const agree =
      active.decision === verdict.decision &&
      sameList(sortedUnique(active.reason_codes), sortedUnique(verdict.reason_codes)) &&
      sameList(sortedUnique(active.redacted_paths), sortedUnique(verdict.redacted_paths));
    if (agree) return;
    const pair = `${active.decision}->${verdict.decision}`;
    this.disagreements.set(pair, (this.disagreements.get(pair) ?? 0) + 1);
    this.options.lifecycle.shadowDisagreements.labels(active.decision, verdict.decision).inc();
    this.options.logger.info('shadow disagreement', {
      decision_id: event.decisionId,
      active: { revision: event.revision, ...active },
      candidate: { revision: candidate.revision, ...verdict },
    });
  }
}
