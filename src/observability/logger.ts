/**
 * JSON logs on stdout through winston. Requests get a child logger carrying `request_id` (and
 * `decision_id` on decisions). Payload values and credentials are never passed to the logger by
 * regent's own code; `logPayloads` is the one switch that adds a redacted payload to records.
 */
import { createWriteStream } from 'node:fs';
import winston from 'winston';

/** The logger type used across regent. */
export type Logger = winston.Logger;

/** Creates the process logger; `silent` is for tests that assert on records via a stream. */
export function createLogger(options: { level: string; stream?: NodeJS.WritableStream; silent?: boolean }): Logger {
  // process.stdout is synchronous for files and pipes on Linux, so every log line would block the
  // event loop on the request path; a write stream on fd 1 hands writes to libuv's thread pool.
  const stream = options.stream ?? createWriteStream('', { fd: 1, autoClose: false });
  const transport = new winston.transports.Stream({ stream, silent: options.silent ?? false });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'regent' },
    transports: [transport],
  });
}
