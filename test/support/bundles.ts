/**
 * Builds real bundles for tests with the real OPA toolchain: the shipped rego/ library and the
 * fault fixtures under test/fixtures/policies/. Each folder is built once per test process.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { buildBundle } from '../../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';

const built = new Map<string, Promise<{ file: string; bytes: Buffer; revision: string }>>();
let capabilities: Promise<object> | undefined;

/** Builds `sourceDir` (relative to the repo root) into a bundle and returns its file and bytes. */
export function buildTestBundle(sourceDir: string): Promise<{ file: string; bytes: Buffer; revision: string }> {
  let pending = built.get(sourceDir);
  if (pending === undefined) {
    pending = (async () => {
      capabilities ??= buildCapabilities(opaBinary());
      const dir = await mkdtemp(path.join(tmpdir(), 'regent-test-bundle-'));
      const file = path.join(dir, 'bundle.tar.gz');
      const { revision } = await buildBundle({
        sourceDir: path.join(REPO_ROOT, sourceDir),
        outFile: file,
        capabilities: await capabilities,
      });
      return { file, bytes: await readFile(file), revision };
    })();
    built.set(sourceDir, pending);
  }
  return pending;
}

/** The shipped policy library as a bundle. */
export function regoBundle(): Promise<{ file: string; bytes: Buffer; revision: string }> {
  return buildTestBundle('rego');
}

/** A fault fixture (test/fixtures/policies/<name>) as a bundle. */
export function faultBundle(name: string): Promise<{ file: string; bytes: Buffer; revision: string }> {
  return buildTestBundle(path.join('test/fixtures/policies', name));
}
