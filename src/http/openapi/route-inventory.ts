/**
 * The routes an express app really answers, read from its router stack, and the OpenAPI paths
 * an express 5 pattern stands for. The OpenAPI test compares the two, so a route added without
 * an OpenAPI path fails the build instead of going undocumented.
 */
import type { Application } from 'express';
import { isNotARouteTable } from '../middleware/allowed-methods.ts';

/** One route of the stack: its express pattern and the methods it answers (lower case, no HEAD). */
export interface MountedRoute {
  readonly pattern: string;
  readonly methods: readonly string[];
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: unknown;
  /** router 2.x: true for a layer mounted at the root (`app.use(fn)`). */
  slash?: boolean;
}

/**
 * Every route of `app`, from routers mounted at the root (regent mounts its own routers there).
 * A router mounted under a path (the SCIM service at /scim/v2, served by scimmy-routers) is not
 * part of this document: SCIM describes itself through its RFC 7644 discovery endpoints
 * (/scim/v2/ServiceProviderConfig, /Schemas, /ResourceTypes).
 */
export function mountedRoutes(app: Application): MountedRoute[] {
  const out: MountedRoute[] = [];
  const walk = (stack: readonly Layer[], depth: number): void => {
    if (depth > 8) return;
    for (const layer of stack) {
      if (layer.route !== undefined) {
        const methods = Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m] === true);
        out.push({ pattern: layer.route.path, methods: methods.filter((m) => m !== 'head') });
        continue;
      }
      const inner = layer.handle;
      if (typeof inner !== 'function' || isNotARouteTable(inner) || layer.slash === false) continue;
      const nested = (inner as { stack?: unknown }).stack;
      if (Array.isArray(nested)) walk(nested as Layer[], depth + 1);
    }
  };
  const root = (app as unknown as { router?: { stack: Layer[] } }).router;
  if (root !== undefined) walk(root.stack, 0);
  return out;
}

/**
 * The OpenAPI paths an express 5 pattern matches: `:id` and `*id` become `{id}`, and each
 * optional group `{...}` is expanded both ways (`/v1/data{/*path}` is `/v1/data` and
 * `/v1/data/{path}`).
 */
export function openApiPathsOf(pattern: string): string[] {
  const open = pattern.indexOf('{');
  // Express matches without regard to a trailing slash (strict routing is off), so neither does this.
  if (open === -1) return [pattern.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/(.)\/$/, '$1') || '/'];
  let depth = 0;
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close === -1) throw new Error(`unbalanced optional group in route pattern ${pattern}`);
  const before = pattern.slice(0, open);
  const inside = pattern.slice(open + 1, close);
  const after = pattern.slice(close + 1);
  return [...new Set([...openApiPathsOf(before + after), ...openApiPathsOf(before + inside + after)])];
}
