/**
 * JSON logs on stdout through winston. Requests get a child logger carrying `request_id` (and
 * `decision_id` on decisions). Payload values and credentials are never passed to the logger by
 * regent's own code; `logPayloads` is the one switch that adds a redacted payload to records.
 */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';

/** The logger type used across regent. */
export type Logger = winston.Logger;

/** Creates the process logger; `silent` is for tests that assert on records via a stream. */
export function createLogger(options: { level: string; stream?: NodeJS.WritableStream; silent?: boolean }): Logger {
  // process.stdout is synchronous for files and pipes on Linux, so every log line would block the
  // event loop on the request path; a write stream on fd 1 hands writes to libuv's thread pool,
  // one writev per event-loop turn.
  const stream = options.stream ?? new TurnBatchedWriter(createWriteStream('', { fd: 1, autoClose: false }));
  const transport = new winston.transports.Stream({ stream, silent: options.silent ?? false });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'regent' },
    transports: [transport],
  });
}

/**
 * Forwards writes to `out` held (corked) until the end of the event-loop turn, so all lines of a
 * turn leave in one writev, where each decision record was a thread-pool write of its own (in
 * `make bench` the decision log cost 8.0% of a decision's CPU before this, 5.5% after; 2026-11-24,
 * commits 2c7cf62 and 543580b). Lines keep their order; errors of
 * `out` become this stream's. Nothing is held past the turn, so a clean exit loses nothing.
 */
export class TurnBatchedWriter extends Writable {
  readonly #out: Writable;
  #corked = false;

  constructor(out: Writable) {
    super({ decodeStrings: false });
    this.#out = out;
    out.on('error', (error) => this.destroy(error));
  }

  override _write(chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#out.cork();
      setImmediate(() => {
        this.#corked = false;
        this.#out.uncork();
      });
    }
    this.#out.write(chunk, encoding);
    callback();
  }
}
