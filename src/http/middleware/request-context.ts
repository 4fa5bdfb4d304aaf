/**
 * Gives every request an id, a child logger carrying it, and an HTTP duration observation
 * labelled by the matched route pattern (a closed set), never by the raw path.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';

/** Request id header regent echoes back (and accepts, when it looks like an id). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Attaches `res.locals.log` and `res.locals.requestId`, and times the request. */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof offered === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(offered) ? offered : randomUUID();
    res.locals['requestId'] = requestId;
    res.locals['log'] = logger.child({ request_id: requestId });
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      end({
        method: req.method,
        route: typeof route === 'string' ? route : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };
}
