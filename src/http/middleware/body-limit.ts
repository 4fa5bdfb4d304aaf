/**
 * Refuses a request body as soon as it crosses its limit, and closes the connection. Without
 * this, body-parser answers 413 only once the whole body has arrived (it reads the rest so the
 * connection can be reused), and a body declared too large by Content-Length is still read to
 * the end after the 413: either way a client can make regent read as much as it cares to send.
 */
import type { Request, Response } from 'express';
import { PayloadTooLargeError } from '../../errors/regent-error.ts';
import { sendError } from './errors.ts';

/** Marks the response as the connection's last: Node closes the socket once it is sent, unread body and all. */
export function closeAfterResponse(res: Response): void {
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
}

/**
 * Counts the body's bytes as its reader receives them and answers 413 (connection closed) the
 * moment they pass `limitBytes`. The counter attaches when the reader (body-parser) attaches,
 * so the body is neither read early nor missed; the reader's own late error then finds the
 * answer sent and is dropped by the error middleware.
 */
export function refuseBodyOverLimit(req: Request, res: Response, limitBytes: number): void {
  let seen = 0;
  const onData = (chunk: Buffer | string) => {
    seen += chunk.length;
    if (seen <= limitBytes) return;
    req.off('data', onData);
    if (res.headersSent) return;
    closeAfterResponse(res);
    sendError(req, res, new PayloadTooLargeError(limitBytes));
  };
  const onListener = (event: string | symbol) => {
    if (event !== 'data') return;
    req.off('newListener', onListener);
    req.on('data', onData);
  };
  req.on('newListener', onListener);
}
