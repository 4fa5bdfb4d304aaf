/**
 * Which methods the app's routes accept on a path, read from express's own router stack, so a
 * 405's `Allow` header can never drift from the routes actually mounted. Routers that only tag
 * requests (authorize's scope table) are marked with {@link notARouteTable} and skipped.
 */
import type { Application, Router } from 'express';

/** The parts of a router layer this module reads (router 2.x). */
interface Layer {
  route?: { methods: Record<string, boolean>; _methods(): string[] };
  handle: unknown;
  match(path: string): { path: string } | false;
}

const skipped = new WeakSet<object>();

/** Marks a router whose routes tag requests but answer none, so they do not count as allowed methods. */
export function notARouteTable(router: Router): Router {
  skipped.add(router);
  return router;
}

/** Whether `handle` was marked with {@link notARouteTable}. */
export function isNotARouteTable(handle: object): boolean {
  return skipped.has(handle);
}

/** Methods (upper case, sorted, HEAD with GET) some route of `app` answers on `path`; empty for an unknown path. */
export function allowedMethods(app: Application, path: string): string[] {
  const found = new Set<string>();
  const root = (app as unknown as { router?: { stack: Layer[] } }).router;
  if (root !== undefined) collect(root.stack, path, found, 0);
  return [...found].sort();
}

function collect(stack: readonly Layer[], path: string, found: Set<string>, depth: number): void {
  if (depth > 8) return;
  for (const layer of stack) {
    let match: { path: string } | false;
    try {
      match = layer.match(path);
    } catch {
      continue; // a malformed percent-encoding in a parameter: this layer cannot answer it
    }
    if (match === false) continue;
    if (layer.route !== undefined) {
      // `all()` routes accept any method, so they say nothing about which ones are allowed.
      if (layer.route.methods['_all'] === true) continue;
      for (const method of layer.route._methods()) found.add(method);
      continue;
    }
    const inner = layer.handle;
    if (typeof inner !== 'function' || skipped.has(inner)) continue;
    const nested = (inner as { stack?: unknown }).stack;
    if (!Array.isArray(nested)) continue;
    const rest = path.slice(match.path.length);
    collect(nested as Layer[], rest.startsWith('/') ? rest : `/${rest}`, found, depth + 1);
  }
}
