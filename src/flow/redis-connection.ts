/**
 * One node-redis client set up to fail fast and heal by itself, shared by the Redis flow stores.
 *
 * - No offline queue: while disconnected, a command fails at once instead of waiting for a
 *   reconnect that may never come, so a decision is denied in microseconds, not minutes.
 * - A deadline on every operation. node-redis's own `timeout` stops counting once the command is
 *   written to the socket, so against a hung server (or a half-open TCP connection) a command
 *   would wait forever (node-redis#2662). regent races each operation against its own timer.
 * - Reconnects with capped exponential backoff forever; after an operation times out the client
 *   is replaced, because a connection that swallowed a command is not trusted to answer the next.
 *
 * Every failure leaves this module as SessionStoreUnavailableError.
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { RegentError } from '../errors/regent-error.ts';
import { SessionStoreUnavailableError } from './errors.ts';
import type { StoreHealth } from './session-store.ts';

/** How to reach Redis and how long to wait for it. */
export interface RedisConnectionOptions {
  /** REGENT_REDIS_URL, e.g. redis://127.0.0.1:6379/0. */
  readonly url: string;
  /** Deadline for one store operation, from call to reply (default 500 ms). */
  readonly commandTimeoutMs?: number;
  /** Deadline for establishing one TCP connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts (default 2000 ms). */
  readonly reconnectMaxDelayMs?: number;
  /** Told when the connection goes down or comes back; logs transitions, not every retry. */
  readonly logger?: FlowLogger;
}

/** Either settings for a connection the store opens and owns, or a connection shared between stores (closed by its opener). */
export type RedisTarget = RedisConnectionOptions | { readonly connection: RedisConnection };

/** Resolves a {@link RedisTarget}; `owned` says whether the store must close the connection. */
export function openConnection(target: RedisTarget): { connection: RedisConnection; owned: boolean } {
  if ('connection' in target) return { connection: target.connection, owned: false };
  return { connection: new RedisConnection(target), owned: true };
}

/** The slice of a logger the flow stores use (winston's Logger fits). */
export interface FlowLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
}

/** A Lua script with its SHA1, run with EVALSHA and sent in full only when Redis lacks it. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

/** Prepares a Lua script for {@link RedisConnection.evalScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

// Built in one place so that the client type is the one node-redis infers for exactly these options.
function newClient(url: string, connectTimeoutMs: number, maxDelayMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Never give up: recovery must not need a restart. Jitter spreads replicas' retries.
      reconnectStrategy: (retries: number) =>
        Math.round(Math.min(50 * 2 ** retries, maxDelayMs) * (0.5 + Math.random() / 2)),
    },
  });
}

type Client = ReturnType<typeof newClient>;

/** A self-healing Redis client whose operations either answer within the deadline or throw SessionStoreUnavailableError. */
export class RedisConnection {
  readonly #options: RedisConnectionOptions;
  readonly #timeoutMs: number;
  #client: Client;
  // Last state told to the logger, so an outage is logged once, not on every retry.
  #reported: 'unknown' | 'up' | 'down' = 'unknown';
  #closed = false;

  constructor(options: RedisConnectionOptions) {
    this.#options = options;
    this.#timeoutMs = options.commandTimeoutMs ?? 500;
    this.#client = this.#connect();
  }

  /** Whether commands can be sent now (connected and handshaken). */
  get isReady(): boolean {
    return !this.#closed && this.#client.isReady;
  }

  /** Waits until connected or `timeoutMs` passed; for start-up, where a missing Redis should be reported early. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isReady && !this.#closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.isReady;
  }

  /** Runs `operation` on the client within the deadline; every failure becomes SessionStoreUnavailableError. */
  async run<T>(what: string, operation: (client: Client) => Promise<T>): Promise<T> {
    if (this.#closed) throw new SessionStoreUnavailableError('the Redis flow store is closed');
    const client = this.#client;
    if (!client.isReady) throw new SessionStoreUnavailableError(`Redis is not connected (${what})`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new SessionStoreUnavailableError(`Redis did not answer ${what} within ${this.#timeoutMs} ms`));
        this.#replace(client, 'operation timed out');
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([operation(client), deadline]);
    } catch (err) {
      if (err instanceof RegentError) throw err;
      throw new SessionStoreUnavailableError(`Redis ${what} failed`, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a script by SHA1, falling back to sending its source once after a NOSCRIPT (Redis restarted or flushed). */
  evalScript(client: Client, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return client.evalSha(script.sha1, { keys, arguments: args }).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return client.eval(script.source, { keys, arguments: args });
      }
      throw err;
    });
  }

  /** PINGs within the deadline; never throws. */
  async health(): Promise<StoreHealth> {
    try {
      await this.run('PING', (client) => client.ping());
      return { ok: true, backend: 'redis' };
    } catch (err) {
      return { ok: false, backend: 'redis', detail: err instanceof Error ? err.message : 'unavailable' };
    }
  }

  /** Closes the client and stops reconnecting. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.destroy();
    }
    return Promise.resolve();
  }

  #connect(): Client {
    const options = this.#options;
    let client: Client;
    try {
      client = newClient(options.url, options.connectTimeoutMs ?? 1000, options.reconnectMaxDelayMs ?? 2000);
    } catch {
      // The parse error carries the URL, password included; it must not reach a log.
      throw new RangeError('the Redis URL is not a valid redis:// or rediss:// URL');
    }
    client.on('error', (err: unknown) => {
      if (this.#reported !== 'down' && client === this.#client) {
        this.#reported = 'down';
        this.#options.logger?.warn('redis flow store unavailable; decisions that need session state are denied', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    });
    client.on('ready', () => {
      if (client !== this.#client || this.#reported === 'up') return;
      this.#reported = 'up';
      this.#options.logger?.info('redis flow store connected', {});
    });
    // Resolves on the first ready; rejects only when the client is destroyed.
    client.connect().catch(() => undefined);
    return client;
  }

  #replace(stale: Client, reason: string): void {
    if (this.#closed || stale !== this.#client) return; // another timeout already replaced it
    this.#options.logger?.warn('redis flow store connection replaced', { reason });
    this.#reported = 'down';
    this.#client = this.#connect();
    stale.destroy();
  }
}
