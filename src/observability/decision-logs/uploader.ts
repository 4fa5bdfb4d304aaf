/**
 * Uploads decision events to an OPA-compatible decision-log service as OPA does: gzip'd JSON
 * arrays POSTed to `<service>/logs` with `Content-Encoding: gzip`. `push` only appends to a
 * bounded in-memory buffer (the oldest event is dropped and counted when it is full), so a slow
 * or absent service never holds up a decision. A timer uploads batches; a failed batch goes back
 * to the front of the buffer and is retried with exponential backoff; a 4xx other than 408/429
 * is a refusal, dropped and counted. `close` flushes what is left within a deadline.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Counter, Gauge, type Registry } from 'prom-client';
import { describeThrown } from '../../errors/policy-errors.ts';
import type { Logger } from '../logger.ts';

const gzipAsync = promisify(gzip);

/** Events per upload at most. */
export const MAX_BATCH_EVENTS = 1000;
/** Uncompressed bytes per upload at most (a single larger event still goes alone). */
export const MAX_BATCH_BYTES = 1024 * 1024;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

/** Where and how often to upload. */
export interface UploaderSettings {
  /** Base URL of the service; events go to `<url>/logs`. */
  url: string;
  /** Bearer token for the service, or undefined. */
  token: string | undefined;
  /** Events held for upload at most. */
  bufferEvents: number;
  /** Delay between uploads while the service answers. */
  intervalMs: number;
}

/** Why events were dropped instead of uploaded. */
export const DROP_REASONS = ['buffer_full', 'rejected', 'shutdown'] as const;

/** The uploader's metrics, on the app's registry. */
interface UploaderMetrics {
  uploads: Counter<'result'>;
  uploaded: Counter;
  dropped: Counter<'reason'>;
}

/** Buffers encoded events and uploads them in the background. */
export class DecisionLogUploader {
  readonly #settings: UploaderSettings;
  readonly #endpoint: string;
  readonly #logger: Logger;
  readonly #metrics: UploaderMetrics;
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #closed = false;
  /** Events of the upload in progress. */
  #inFlight = 0;
  /** Cuts an upload still in progress when `close` gives up. */
  readonly #abort = new AbortController();

  constructor(settings: UploaderSettings, deps: { registry: Registry; logger: Logger }) {
    this.#settings = settings;
    this.#endpoint = `${settings.url.replace(/\/+$/, '')}/logs`;
    this.#logger = deps.logger;
    const registers = [deps.registry];
    this.#metrics = {
      uploads: new Counter({
        name: 'regent_decision_log_uploads_total',
        help: 'Decision-log upload requests, by result (success, failure: retried, rejected: a 4xx, dropped).',
        labelNames: ['result'],
        registers,
      }),
      uploaded: new Counter({
        name: 'regent_decision_log_events_uploaded_total',
        help: 'Decision events the decision-log service accepted.',
        registers,
      }),
      dropped: new Counter({
        name: 'regent_decision_log_events_dropped_total',
        help: 'Decision events never uploaded, by reason (buffer_full drops the oldest).',
        labelNames: ['reason'],
        registers,
      }),
    };
    for (const r of ['success', 'failure', 'rejected']) this.#metrics.uploads.labels(r).inc(0);
    for (const r of DROP_REASONS) this.#metrics.dropped.labels(r).inc(0);
    const buffer = () => this.#buffer.length;
    new Gauge({
      name: 'regent_decision_log_buffered_events',
      help: 'Decision events waiting for upload.',
      registers,
      collect() {
        this.set(buffer());
      },
    });
    this.#schedule(settings.intervalMs);
  }

  /** Queues one encoded event (JSON text); never waits and never throws. */
  push(event: string): void {
    if (this.#closed) {
      this.#metrics.dropped.labels('shutdown').inc();
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length > this.#settings.bufferEvents) this.#dropOldest();
    // A full batch goes now rather than at the next tick, unless the service is failing.
    if (this.#buffer.length >= MAX_BATCH_EVENTS && this.#running === undefined && this.#failures === 0)
      this.#schedule(0);
  }

  /** Stops the timer and uploads what is buffered, giving up (and counting the rest) after `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const deadline = Date.now() + timeoutMs;
    if (this.#running !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#running, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    let attempt = 0;
    while (this.#buffer.length > 0 && Date.now() < deadline) {
      if ((await this.#uploadBatch()) === 'retry') {
        const wait = Math.min(backoff(attempt++), deadline - Date.now());
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    const left = this.#buffer.length + this.#inFlight;
    if (left > 0) {
      this.#metrics.dropped.labels('shutdown').inc(left);
      this.#logger.error('decision events not uploaded before shutdown', { events: left });
      this.#buffer = [];
    }
    this.#abort.abort();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running ??= this.#drain().finally(() => (this.#running = undefined));
    }, delayMs);
    this.#timer.unref();
  }

  /** Uploads until the buffer is empty or an upload fails, then schedules the next run. */
  async #drain(): Promise<void> {
    while (this.#buffer.length > 0 && !this.#closed) {
      if ((await this.#uploadBatch()) === 'retry') {
        this.#schedule(backoff(this.#failures++));
        return;
      }
      this.#failures = 0;
    }
    this.#schedule(this.#settings.intervalMs);
  }

  /** Takes one batch off the front of the buffer and uploads it; a batch to retry goes back to the front. */
  async #uploadBatch(): Promise<'done' | 'retry'> {
    let bytes = 0;
    let n = 0;
    while (n < this.#buffer.length && n < MAX_BATCH_EVENTS) {
      bytes += (this.#buffer[n] as string).length;
      if (n > 0 && bytes > MAX_BATCH_BYTES) break;
      n++;
    }
    const batch = this.#buffer.splice(0, n);
    this.#inFlight = batch.length;
    const outcome = await this.#send(batch);
    this.#inFlight = 0;
    if (outcome === 'success') {
      this.#metrics.uploads.labels('success').inc();
      this.#metrics.uploaded.inc(batch.length);
      return 'done';
    }
    if (outcome === 'rejected') {
      this.#metrics.uploads.labels('rejected').inc();
      this.#metrics.dropped.labels('rejected').inc(batch.length);
      return 'done';
    }
    this.#metrics.uploads.labels('failure').inc();
    // Cut off by close(), which counted these as dropped.
    if (this.#abort.signal.aborted) return 'done';
    this.#buffer = batch.concat(this.#buffer);
    if (this.#buffer.length > this.#settings.bufferEvents) this.#dropOldest();
    return 'retry';
  }

  async #send(batch: string[]): Promise<'success' | 'rejected' | 'failure'> {
    try {
      const body = await gzipAsync(Buffer.from(`[${batch.join(',')}]`, 'utf8'));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
      if (this.#settings.token !== undefined) headers['authorization'] = `Bearer ${this.#settings.token}`;
      const res = await fetch(this.#endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'success';
      const refused = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      this.#logger.warn(refused ? 'decision-log service refused events; dropped' : 'decision-log upload failed', {
        status: res.status,
        events: batch.length,
      });
      return refused ? 'rejected' : 'failure';
    } catch (err) {
      this.#logger.warn('decision-log upload failed', { error: describeThrown(err), events: batch.length });
      return 'failure';
    }
  }

  #dropOldest(): void {
    const excess = this.#buffer.length - this.#settings.bufferEvents;
    this.#buffer.splice(0, excess);
    this.#metrics.dropped.labels('buffer_full').inc(excess);
  }
}

/** Delay before retry `attempt` (0-based): doubling from 100 ms up to 30 s, with jitter. */
function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
