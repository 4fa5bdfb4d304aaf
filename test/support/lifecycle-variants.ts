/**
 * Two builds of test/fixtures/policies/lifecycle that decide every input differently: the
 * switch says `allow` in one and `deny` in the other. Built by the real OPA toolchain, so a
 * test can tell which revision answered from the answer alone.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle, type Bundle } from '../../src/policy/bundle/read-bundle.ts';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { buildBundle } from '../../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';

/** What the variant decides for every input. */
export type Verdict = 'allow' | 'deny';

/** One built variant: its bundle file, bytes, parsed bundle and source folder. */
export interface Variant {
  file: string;
  bytes: Buffer;
  bundle: Bundle;
  sourceDir: string;
}

let capabilities: Promise<object> | undefined;

/** Copies the lifecycle fixture into `work/<verdict>` with the switch set, and builds it with revision `base-<verdict>`. */
export async function buildVariant(verdict: Verdict, work?: string): Promise<Variant> {
  capabilities ??= buildCapabilities(opaBinary());
  const root = work ?? (await mkdtemp(path.join(tmpdir(), 'regent-variant-')));
  const sourceDir = path.join(root, verdict);
  await cp(path.join(REPO_ROOT, 'test/fixtures/policies/lifecycle'), sourceDir, { recursive: true });
  await writeFile(
    path.join(sourceDir, 'regent/switch/switch.rego'),
    `package regent.switch\n\nverdict := "${verdict}"\n`,
  );
  const file = path.join(root, `${verdict}.tar.gz`);
  await buildBundle({ sourceDir, outFile: file, capabilities: await capabilities, revision: `base-${verdict}` });
  const bytes = await readFile(file);
  return { file, bytes, bundle: await readBundle(bytes), sourceDir };
}
