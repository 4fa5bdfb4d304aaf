/**
 * The one error middleware: every error becomes `{code, message, errors?}` with its status.
 * 5xx messages stay short for the caller; the detail goes to the request's log line.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { InternalError, InvalidParameterError, NotFoundError, RegentError } from '../../errors/regent-error.ts';
import { describeThrown } from '../../errors/policy-errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { allowedMethods } from './allowed-methods.ts';

/**
 * Answers what no route answered: a JSON 405 with `Allow` when routes exist for the path but not
 * for the method (the methods come from the router stack, see allowed-methods.ts), else a JSON 404.
 */
export const notFound: RequestHandler = (req, res, next) => {
  const path = req.path.length > 200 ? req.path.slice(0, 200) + '…' : req.path;
  const allowed = allowedMethods(req.app, req.path);
  if (allowed.length > 0 && !allowed.includes(req.method)) {
    res.setHeader('allow', allowed.join(', '));
    next(new RegentError('method_not_allowed', 405, `${req.method} is not allowed on ${path}`));
    return;
  }
  next(new NotFoundError(`no route for ${req.method} ${path}`));
};

/** Maps any error to regent's error body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // The router throws URIError for a path parameter that is not valid percent-encoding: the caller's fault.
    const error =
      err instanceof RegentError
        ? err
        : err instanceof URIError
          ? new InvalidParameterError('request path is not valid percent-encoding')
          : new InternalError(err);
    const log = (res.locals['log'] as Logger | undefined) ?? logger;
    if (error.status >= 500)
      log.error('request failed', {
        code: error.code,
        error: describeThrown(error.cause ?? error),
        method: req.method,
      });
    else log.debug('request rejected', { code: error.code, status: error.status });
    if (res.headersSent) return;
    sendError(req, res, error);
  };
}

/**
 * Writes `error` as regent's error body. For the rare answer that cannot wait for the middleware
 * chain (a body refused while it is still arriving, body-limit.ts); everything else goes through
 * {@link errorHandler}, which also logs.
 */
export function sendError(req: Request, res: Response, error: RegentError): void {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.errors.length > 0) body['errors'] = error.errors;
  if (req.path === '/v1/decisions' || req.path.startsWith('/v1/decisions/')) body['decision'] = 'deny';
  res.status(error.status).json(body);
}
