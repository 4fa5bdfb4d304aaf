/**
 * The metrics port (REGENT_METRICS_PORT): the same app, answering only what a scraper and a
 * health probe need. With several processes sharing the main port (REGENT_REUSE_PORT), a scrape
 * of the shared port reaches whichever process the kernel picks; each process's own metrics port
 * is how each is scraped on its own. Authentication and TLS are the main port's (the app's own
 * middleware and the same server factory), so nothing is exposed here that is not there.
 */
import type { RequestListener } from 'node:http';

/** Paths the metrics port answers (GET and HEAD); anything else is a JSON 404. */
export const METRICS_PORT_PATHS: ReadonlySet<string> = new Set(['/metrics', '/health/live', '/health/ready']);

/** Wraps `app` so that it answers only {@link METRICS_PORT_PATHS}. */
export function metricsOnly(app: RequestListener): RequestListener {
  return (req, res) => {
    const pathname = (req.url ?? '').split('?', 1)[0] ?? '';
    if ((req.method === 'GET' || req.method === 'HEAD') && METRICS_PORT_PATHS.has(pathname)) {
      app(req, res);
      return;
    }
    const body = JSON.stringify({
      code: 'not_found',
      message: 'this port answers GET /metrics, /health/live and /health/ready only',
    });
    res.writeHead(404, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
