/**
 * Builds real bundles for tests with the real OPA toolchain: the shipped rego/ library and the
 * fault fixtures under test/fixtures/policies/. Each folder is built once per test process.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

/** `data.regent.config` of the shipped library, as an edit sees it. */
export type ShippedConfig = Record<string, any>;

/**
 * The shipped rego/ copied into `dir`, its `regent/config/data.json` changed by `edit`, built
 * with the real toolchain (not cached: each call is its own variant); returns the bundle's path.
 * `root` is the checkout whose rego/ is copied (a benchmark's baseline worktree; default this one).
 */
export async function shippedBundleWith(
  dir: string,
  edit: (config: ShippedConfig) => void,
  root: string = REPO_ROOT,
): Promise<string> {
  const source = path.join(dir, 'rego');
  await cp(path.join(root, 'rego'), source, { recursive: true });
  const file = path.join(source, 'regent', 'config', 'data.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as ShippedConfig;
  edit(config);
  await writeFile(file, JSON.stringify(config));
  const outFile = path.join(dir, 'bundle.tar.gz');
  capabilities ??= buildCapabilities(opaBinary());
  await buildBundle({ sourceDir: source, outFile, capabilities: await capabilities });
  return outFile;
}

/**
 * Raises the policy's activity limits out of reach (an edit for {@link shippedBundleWith}): with
 * them, an agent's tenth denial in its window starts the denial streak, and from then on the
 * streak, not the rule under test or measurement, decides.
 */
export function liftActivityLimits(config: ShippedConfig): void {
  config['activity'].restricted_read_burst.max_reads = 1_000_000;
  config['activity'].denial_streak = { max_denials: 1_000_000, max_agent_denials: 1_000_000 };
}
