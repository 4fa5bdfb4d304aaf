/**
 * Reads an OPA bundle (`bundle.tar.gz`) into memory: `.manifest`, the wasm modules, `data.json`
 * files merged at their directory paths, and every file's raw bytes (signature verification
 * hashes them). Bounded: a bundle larger than the limits is rejected, not unpacked.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BundleError } from '../../errors/policy-errors.ts';

/** The `.manifest` fields regent uses. */
export interface BundleManifest {
  revision: string;
  roots: string[];
  wasm: { entrypoint: string; module: string }[];
  metadata?: Record<string, unknown>;
  rego_version?: number;
}

/** A bundle held in memory. */
export interface Bundle {
  manifest: BundleManifest;
  /** The policy module (the manifest's first wasm module). */
  wasm: Uint8Array;
  /** All data documents merged into one tree. */
  data: Record<string, unknown>;
  /** Every regular file by its path in the archive, leading `/` kept. */
  files: Map<string, Uint8Array>;
}

/** Limits on what a bundle may hold. */
export interface BundleLimits {
  maxFiles: number;
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: BundleLimits = { maxFiles: 10_000, maxTotalBytes: 256 * 1024 * 1024 };

/** Normalises an archive path to `/a/b` form and rejects traversal. */
function normalisePath(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new BundleError(`bundle path escapes the root: ${name}`);
  return '/' + parts.join('/');
}

/** Unpacks a gzipped tar into a path -> bytes map, within the limits. */
export async function unpackTarGz(
  bytes: Uint8Array,
  limits: BundleLimits = DEFAULT_LIMITS,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (!Buffer.isBuffer(c)) return;
      total += c.length;
      if (total > limits.maxTotalBytes) {
        stream.destroy(new BundleError(`bundle exceeds ${limits.maxTotalBytes} bytes unpacked`));
        return;
      }
      chunks.push(c);
    });
    stream.on('error', (err) => next(err));
    stream.on('end', () => {
      try {
        if (header.type === 'file') {
          if (files.size >= limits.maxFiles) throw new BundleError(`bundle holds more than ${limits.maxFiles} files`);
          files.set(normalisePath(header.name), Buffer.concat(chunks));
        }
        next();
      } catch (err) {
        next(err as Error);
      }
    });
  });
  try {
    await pipeline(Readable.from([Buffer.from(bytes)]), createGunzip(), extract);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`bundle is not a readable tar.gz: ${(err as Error).message}`, err);
  }
  return files;
}

function parseJson(path: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new BundleError(`${path} is not valid JSON`, err);
  }
}

function parseManifest(bytes: Uint8Array | undefined): BundleManifest {
  if (bytes === undefined) throw new BundleError('bundle has no /.manifest');
  const raw = parseJson('/.manifest', bytes) as Partial<BundleManifest> | null;
  if (raw === null || typeof raw !== 'object') throw new BundleError('/.manifest must be a JSON object');
  const wasm = Array.isArray(raw.wasm) ? raw.wasm : [];
  for (const w of wasm) {
    if (typeof w?.entrypoint !== 'string' || typeof w.module !== 'string') {
      throw new BundleError('/.manifest wasm entries need "entrypoint" and "module" strings');
    }
  }
  return {
    ...raw,
    revision: typeof raw.revision === 'string' ? raw.revision : '',
    roots: Array.isArray(raw.roots) ? raw.roots.filter((r): r is string => typeof r === 'string') : [''],
    wasm,
  };
}

/** Sets `value` at the slash-separated `dir` inside `tree`, merging objects. */
function mergeAt(tree: Record<string, unknown>, dir: string, value: unknown, path: string): void {
  const keys = dir.split('/').filter((k) => k !== '');
  let node = tree;
  for (const key of keys) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      Object.defineProperty(node, key, { value: created, enumerable: true, writable: true, configurable: true });
      node = created;
    } else if (next !== null && typeof next === 'object' && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      throw new BundleError(`${path} conflicts with data already at /${keys.join('/')}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (keys.length === 0) throw new BundleError(`${path}: root data must be an object`);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (Object.hasOwn(node, k)) throw new BundleError(`${path} redefines data key ${k}`);
    Object.defineProperty(node, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
}

/** Parses a bundle's bytes into a {@link Bundle}; throws {@link BundleError} when it is unusable. */
export async function readBundle(bytes: Uint8Array, limits?: BundleLimits): Promise<Bundle> {
  const files = await unpackTarGz(bytes, limits);
  const manifest = parseManifest(files.get('/.manifest'));
  const first = manifest.wasm[0];
  if (first === undefined) throw new BundleError('bundle has no wasm module: build it with `opa build -t wasm`');
  const wasm = files.get(normalisePath(first.module));
  if (wasm === undefined) throw new BundleError(`bundle lacks the wasm module ${first.module}`);
  const data: Record<string, unknown> = {};
  for (const [path, content] of files) {
    if (path === '/data.json' || path.endsWith('/data.json')) {
      mergeAt(data, path.slice(0, -'/data.json'.length), parseJson(path, content), path);
    }
  }
  return { manifest, wasm, data, files };
}
