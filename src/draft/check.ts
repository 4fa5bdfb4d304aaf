/**
 * Checks a drafted configuration the way a revision is checked before it serves: the policy
 * directory copied, its data.json replaced by the merged configuration, built into a bundle with
 * the pinned OPA, and `regent/config_check/problems` evaluated on it. The bundle is kept, so
 * `regent replay` can replay recorded traffic against the draft.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateCatalogue } from '../catalogue/validate.ts';
import { readBundle } from '../policy/bundle/read-bundle.ts';
import { buildCapabilities } from '../policy/capabilities.ts';
import { opaBinary } from '../policy/toolchain/opa-cli.ts';
import { buildBundle } from '../policy/toolchain/build-bundle.ts';
import type { Json } from './merge-patch.ts';

/** The bundle of a drafted configuration and its configuration problems (empty: it would serve). */
export interface DraftCheck {
  bundleFile: string;
  problems: string[];
}

/** Builds `regoDir` with `merged` as regent/config/data.json into `outFile` (a temp file when absent) and checks it. */
export async function checkDraft(regoDir: string, merged: Json, outFile?: string): Promise<DraftCheck> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-draft-'));
  const src = path.join(dir, 'rego');
  await cp(regoDir, src, { recursive: true });
  await writeFile(path.join(src, 'regent/config/data.json'), `${JSON.stringify(merged, null, 2)}\n`);
  const bundleFile = outFile ?? path.join(dir, 'draft.tar.gz');
  await buildBundle({ sourceDir: src, outFile: bundleFile, capabilities: await buildCapabilities(opaBinary()) });
  const problems = await validateCatalogue(await readBundle(await readFile(bundleFile)));
  return { bundleFile, problems };
}
