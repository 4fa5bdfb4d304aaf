/**
 * deploy/ (Dockerfile, Kubernetes manifests, systemd unit) names only settings regent knows:
 * regent refuses to start on an unknown REGENT_* variable, so a typo there is an outage.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_KEYS } from '../../src/config/config-keys.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

const DEPLOY = path.join(REPO_ROOT, 'deploy');

describe('deploy/', () => {
  it('sets only REGENT_* variables that are configuration keys', async () => {
    const known = new Set<string>(CONFIG_KEYS.map((k) => k.env));
    const files = (await readdir(DEPLOY, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    assert.ok(files.length > 5, 'deploy/ has its files');
    for (const f of files) {
      const text = await readFile(path.join(f.parentPath, f.name), 'utf8');
      for (const name of text.match(/\bREGENT_[A-Z0-9_]+/g) ?? []) {
        assert.ok(
          known.has(name),
          `${path.relative(REPO_ROOT, path.join(f.parentPath, f.name))}: ${name} is no setting`,
        );
      }
    }
  });
});
