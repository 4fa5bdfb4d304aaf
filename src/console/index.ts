/**
 * The operator console: a static page (src/console/static: HTML, one ES module, one stylesheet;
 * no framework, no build step, no CDN) served at /console. The page holds no data: it asks the
 * operator for a token and calls regent's own API with it (`/v1/audit`, `/v1/sessions`,
 * `/v1/approvals`, `/v1/status`), so what it shows is exactly what that token's scopes allow.
 * Served with a strict Content-Security-Policy (scripts and styles from this origin only, no
 * inline code, no framing). This folder imports nothing from the server; the app mounts it.
 */
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';

/** The console's files: name under /console/ -> media type. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The Content-Security-Policy every console response carries. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * Serves GET and HEAD of /console (redirected to /console/), /console/ and its files; passes every
 * other request on. A middleware, not routes: the console is a page, not part of the API the
 * OpenAPI document describes.
 */
export function consoleRoutes(): RequestHandler {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(FILES))
    files.set(name, { type, body: readFileSync(new URL(`./static/${name}`, import.meta.url)) });
  return (req, res, next) => {
    const p = req.path;
    if ((p !== '/console' && !p.startsWith('/console/')) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }
    if (p === '/console') {
      res.redirect(301, '/console/');
      return;
    }
    const file = files.get(p === '/console/' ? 'index.html' : p.slice('/console/'.length));
    if (file === undefined) {
      next();
      return;
    }
    res.set(HEADERS).type(file.type).send(file.body);
  };
}
