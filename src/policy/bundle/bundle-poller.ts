/**
 * Downloads a bundle from an OPA bundle server with OPA's bundle service protocol, so the servers
 * teams already run (nginx, S3, OPA's own bundle services) work unchanged:
 *
 * - `GET <url>/<resource>`, polled at a random delay in [min, max] seconds (jitter keeps a
 *   fleet of regents from polling in lockstep); after a failure, OPA's backoff (100 ms x 1.6^n,
 *   capped at max) instead;
 * - `If-None-Match: <etag of the active bundle>`; 304 means unchanged and activates nothing;
 * - 200 carries a new bundle, read up to a byte limit, verified when verification is
 *   configured, then handed to `onBundle` (the policy store activates it);
 * - any failure goes to `onError` and leaves the serving revision alone. The ETag advances only
 *   when a bundle is activated, so a rejected bundle is fetched (and rejected) again rather than
 *   hidden behind a 304 while status keeps reporting it.
 *
 * Long polling and delta bundles are not implemented.
 */
import { createHash } from 'node:crypto';
import { BundleError } from '../../errors/policy-errors.ts';
import type { Bundle, BundleLimits } from './read-bundle.ts';
import { DEFAULT_MAX_BUNDLE_BYTES, openBundle } from './load-bundle.ts';
import { BundleVerificationError, type VerificationFailure } from './verification-error.ts';
import { checkVerificationConfig, type VerificationConfig, type VerifiedSignature } from './verify-bundle.ts';

/** Why a poll failed; a closed set (safe as a metric label), or the verification rule broken. */
export type PollFailure =
  | 'network_error'
  | 'http_error'
  | 'too_large'
  | 'invalid_bundle'
  | 'activation_failed'
  | `verification_${VerificationFailure}`;

/** What accompanies each new bundle handed to `onBundle`. */
export interface BundleMeta {
  /** The bundle source's name. */
  name: string;
  /** The URL it came from (without credentials). */
  source: string;
  etag: string | undefined;
  revision: string;
  /** The parsed bundle, so the store need not parse the bytes again. */
  bundle: Bundle;
  /** What verification established; undefined when verification is not configured. */
  signature: VerifiedSignature | undefined;
  downloadedAt: Date;
}

/** Options for {@link BundlePoller}; names follow OPA's `services` / `bundles` config. */
export interface BundlePollerOptions {
  /** The bundle's name (OPA's `bundles.<name>`), for status and logs. */
  name: string;
  /** The bundle service's base URL (OPA's `services.<s>.url`). */
  url: string;
  /** Path of the bundle under the service (OPA's `bundles.<name>.resource`). */
  resource: string;
  /** Bearer token for the bundle server (OPA's `credentials.bearer.token`); never logged. */
  token?: string;
  /** Shortest delay between polls, seconds (OPA's `polling.min_delay_seconds`, default 60). */
  minDelaySeconds?: number;
  /** Longest delay between polls and cap of the error backoff, seconds (OPA's default 120). */
  maxDelaySeconds?: number;
  /** Per-request timeout, ms (default 30 000). */
  timeoutMs?: number;
  /** Largest download accepted, bytes (default {@link DEFAULT_MAX_BUNDLE_BYTES}). */
  maxBytes?: number;
  /** Limits for unpacking. */
  limits?: BundleLimits;
  /** Signature verification; when set, only bundles that pass it reach `onBundle`. */
  verification?: VerificationConfig;
  /** Activates a verified bundle; a throw (or rejection) counts as a failed poll. */
  onBundle: (bytes: Uint8Array, meta: BundleMeta) => void | Promise<void>;
  /** Told about every failed poll. */
  onError?: (error: BundleError, failure: PollFailure) => void;
}

/** A poll's result. */
export type PollOutcome = 'activated' | 'unchanged' | 'failed';

/** The poller's state for `/v1/status` and `/health?bundles` (timestamps are ISO 8601). */
export interface BundleSourceStatus {
  name: string;
  source: string;
  /** Revision of the bundle this poller last activated. */
  activeRevision?: string;
  /** ETag of that bundle, sent as If-None-Match. */
  etag?: string;
  lastRequest?: string;
  lastSuccessfulRequest?: string;
  lastSuccessfulDownload?: string;
  lastSuccessfulActivation?: string;
  /** HTTP status of the latest response. */
  httpCode?: number;
  /** The most recent failure, kept after later successes (compare its time with lastSuccessfulRequest). */
  lastError?: { at: string; failure: PollFailure; message: string };
  /** Whether the latest poll failed. */
  failing: boolean;
}

const MIN_RETRY_DELAY_MS = 100;

/** OPA's util.DefaultBackoff: base x 1.6^retries capped at max, +-20% jitter; no wait before the first retry. */
export function backoffMs(retries: number, maxMs: number, random: () => number = Math.random): number {
  if (retries === 0) return 0;
  let delay = MIN_RETRY_DELAY_MS;
  for (let r = retries; delay < maxMs && r > 0; r--) delay *= 1.6;
  delay = Math.min(delay, maxMs);
  return Math.max(0, delay * (1 + 0.2 * (random() * 2 - 1)));
}

/** Joins service URL and resource as OPA does (exactly one slash between them). */
function joinUrl(url: string, resource: string): string {
  return `${url.replace(/\/+$/, '')}/${resource.replace(/^\/+/, '')}`;
}

/** The URL without user:password, for status and messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

class PollError extends BundleError {
  readonly failure: PollFailure;

  constructor(failure: PollFailure, message: string, cause?: unknown) {
    super(message, cause);
    this.failure = failure;
  }
}

/** Polls one bundle resource and activates each new, verified bundle. */
export class BundlePoller {
  private readonly options: BundlePollerOptions;
  private readonly target: string;
  private readonly state: BundleSourceStatus;
  private inFlight: Promise<PollOutcome> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Bumped by start/stop so a poll that ends after a stop/start cannot revive the old loop. */
  private generation = 0;
  private retries = 0;
  private stopping = new AbortController();
  /** SHA-256 of the bytes last activated: a server without ETags re-sends them, and they need no second activation. */
  private activeDigest: string | undefined;

  constructor(options: BundlePollerOptions) {
    const min = options.minDelaySeconds ?? 60;
    const max = options.maxDelaySeconds ?? 120;
    if (!(min >= 0) || !(max >= min))
      throw new BundleError(`bundle ${options.name}: polling needs 0 <= min_delay_seconds <= max_delay_seconds`);
    this.options = options;
    this.target = joinUrl(options.url, options.resource);
    // Configuration mistakes fail here, at start-up, not on the first poll.
    if (!URL.canParse(this.target))
      throw new BundleError(`bundle ${options.name}: ${redact(this.target)} is not a valid URL`);
    const problems = options.verification === undefined ? [] : checkVerificationConfig(options.verification);
    if (problems.length > 0) throw new BundleError(`bundle ${options.name}: ${problems.join('; ')}`);
    this.state = { name: options.name, source: redact(this.target), failing: false };
  }

  /** A snapshot of the state for status endpoints. */
  status(): BundleSourceStatus {
    return structuredClone(this.state);
  }

  /** Starts polling: the first poll at once, then at jittered intervals, until {@link stop}. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.retries = 0;
    this.schedule(0);
  }

  /** Stops polling and waits for an in-flight poll to end (it is aborted). */
  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.inFlight;
    this.stopping = new AbortController();
  }

  /** Polls once now (or joins the poll in flight); never throws. */
  pollOnce(): Promise<PollOutcome> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => {
      void this.pollOnce().then((outcome) => {
        if (!this.running || generation !== this.generation) return;
        if (outcome === 'failed') {
          this.schedule(backoffMs(this.retries, this.maxDelayMs()));
          this.retries++;
        } else {
          this.retries = 0;
          const min = (this.options.minDelaySeconds ?? 60) * 1000;
          this.schedule(min + Math.random() * (this.maxDelayMs() - min));
        }
      });
    }, delayMs);
    // Polling alone must not keep the process alive (the HTTP server does that).
    this.timer.unref();
  }

  private maxDelayMs(): number {
    return (this.options.maxDelaySeconds ?? 120) * 1000;
  }

  private async poll(): Promise<PollOutcome> {
    const started = new Date();
    this.state.lastRequest = started.toISOString();
    delete this.state.httpCode;
    try {
      const response = await this.request();
      this.state.httpCode = response.status;
      if (response.status === 304) {
        await response.body?.cancel();
        this.succeeded(started);
        return 'unchanged';
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new PollError('http_error', `bundle server answered HTTP ${response.status} for ${this.state.source}`);
      }
      const bytes = await this.readBody(response);
      const etag = response.headers.get('etag') ?? undefined;
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest === this.activeDigest) {
        this.setEtag(etag);
        this.succeeded(started);
        return 'unchanged';
      }
      let loaded;
      try {
        loaded = await openBundle(bytes, this.options.verification, this.options.limits);
      } catch (err) {
        if (err instanceof BundleVerificationError) throw new PollError(`verification_${err.reason}`, err.message, err);
        throw new PollError('invalid_bundle', err instanceof Error ? err.message : String(err), err);
      }
      this.state.lastSuccessfulDownload = new Date().toISOString();
      const revision = loaded.bundle.manifest.revision;
      try {
        await this.options.onBundle(loaded.bytes, {
          name: this.options.name,
          source: this.state.source,
          etag,
          revision,
          bundle: loaded.bundle,
          signature: loaded.signature,
          downloadedAt: new Date(),
        });
      } catch (err) {
        throw new PollError(
          'activation_failed',
          `bundle ${this.options.name} revision ${JSON.stringify(revision)} was not activated: ${err instanceof Error ? err.message : String(err)}`,
          err,
        );
      }
      this.activeDigest = digest;
      this.setEtag(etag);
      this.state.activeRevision = revision;
      this.state.lastSuccessfulActivation = new Date().toISOString();
      this.succeeded(started);
      return 'activated';
    } catch (err) {
      const error =
        err instanceof PollError
          ? err
          : new PollError('network_error', `cannot fetch ${this.state.source}: ${describeFetchError(err)}`, err);
      this.state.failing = true;
      this.state.lastError = { at: new Date().toISOString(), failure: error.failure, message: error.message };
      try {
        this.options.onError?.(error, error.failure);
      } catch {
        // A failing error handler must not stop the polling loop.
      }
      return 'failed';
    }
  }

  private setEtag(etag: string | undefined): void {
    if (etag === undefined) delete this.state.etag;
    else this.state.etag = etag;
  }

  private succeeded(started: Date): void {
    this.state.lastSuccessfulRequest = started.toISOString();
    this.state.failing = false;
  }

  private request(): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': 'regent-bundle-poller' };
    if (this.state.etag !== undefined) headers['if-none-match'] = this.state.etag;
    if (this.options.token !== undefined && this.options.token !== '')
      headers['authorization'] = `Bearer ${this.options.token}`;
    return fetch(this.target, {
      headers,
      // fetch drops Authorization when a redirect leaves the origin, so the token stays with the server it was meant for.
      redirect: 'follow',
      signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 30_000), this.stopping.signal]),
    });
  }

  /** Reads the body, refusing more than maxBytes (counted after any Content-Encoding is undone). */
  private async readBody(response: Response): Promise<Uint8Array> {
    const max = this.options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
    const tooLarge = (): PollError =>
      new PollError('too_large', `bundle from ${this.state.source} exceeds the ${max}-byte download limit`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await response.body?.cancel();
      throw tooLarge();
    }
    if (response.body === null) return new Uint8Array();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > max) throw tooLarge(); // leaving the loop cancels the stream
      chunks.push(chunk);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}

/** fetch wraps socket errors as "fetch failed" with the useful part in `cause`. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'request timed out';
  if (err.name === 'AbortError') return 'request aborted';
  const cause = err.cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
