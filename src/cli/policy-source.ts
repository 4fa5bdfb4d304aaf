/**
 * Where the offline commands (`check`, `eval`) get a policy from: a bundle file, or a Rego
 * directory built into a bundle with the pinned toolchain exactly as `regent bundle build` and a
 * server with REGENT_POLICY_DIR would build it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle, type Bundle } from '../policy/bundle/read-bundle.ts';
import { buildCapabilities } from '../policy/capabilities.ts';
import { buildBundle, formatErrorDetail, PolicyCompileError } from '../policy/toolchain/build-bundle.ts';
import { opaBinary } from '../policy/toolchain/opa-cli.ts';

/** A directory that does not compile; `problems` are file:row:col lines. */
export class PolicyBuildFailed extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`the policies do not compile:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** The bundle bytes and parsed bundle of a policy source. */
export interface LoadedSource {
  readonly bytes: Uint8Array;
  readonly bundle: Bundle;
}

/** Builds `dir` into a bundle in a temporary directory; throws {@link PolicyBuildFailed} when it does not compile. */
export async function buildDirectory(dir: string): Promise<LoadedSource> {
  const work = await mkdtemp(path.join(tmpdir(), 'regent-cli-'));
  try {
    const opaBin = opaBinary();
    const outFile = path.join(work, 'bundle.tar.gz');
    try {
      await buildBundle({
        sourceDir: path.resolve(dir),
        outFile,
        capabilities: await buildCapabilities(opaBin),
        opaBin,
      });
    } catch (err) {
      if (err instanceof PolicyCompileError) throw new PolicyBuildFailed(err.errors.map(formatErrorDetail));
      throw err;
    }
    const bytes = await readFile(outFile);
    return { bytes, bundle: await readBundle(bytes) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Reads a bundle file. */
export async function readBundleFile(file: string): Promise<LoadedSource> {
  const bytes = await readFile(file);
  return { bytes, bundle: await readBundle(bytes) };
}
