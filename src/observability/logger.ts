/**
 * JSON logs on stdout through winston. Requests get a child logger carrying `request_id` (and
 * `decision_id` on decisions). Payload values and credentials are never passed to the logger by
 * regent's own code; `logPayloads` is the one switch that adds a redacted payload to records.
 */
import winston from 'winston';

/** The logger type used across regent. */
export type Logger = winston.Logger;

/** Creates the process logger; `silent` is for tests that assert on records via a stream. */
export function createLogger(options: { level: string; stream?: NodeJS.WritableStream; silent?: boolean }): Logger {
  const transport =
    options.stream === undefined
      ? new winston.transports.Console({ silent: options.silent ?? false })
      : new winston.transports.Stream({ stream: options.stream, silent: options.silent ?? false });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'regent' },
    transports: [transport],
  });
}
