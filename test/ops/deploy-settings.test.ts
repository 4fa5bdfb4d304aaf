/**
 * deploy/ (Dockerfile, Kubernetes manifests, systemd unit) names only settings regent knows:
 * regent refuses to start on an unknown REGENT_* variable, so a typo there is an outage. And every
 * file regent writes is placed on a writable volume: its defaults (`var/...`) are relative to the
 * working directory, which in the image and the unit is read-only, so an unplaced store would
 * not open (approvals denied, every decision naming a person denied for want of the directory).
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

/** Settings whose default is a path regent writes, relative to its working directory. */
const WRITABLE = CONFIG_KEYS.filter((k) => typeof k.default === 'string' && k.default.startsWith('var/')).map(
  (k) => k.env,
);

describe('deploy/ places every file regent writes', () => {
  it('knows the writable settings', () => {
    assert.deepEqual([...WRITABLE].sort(), [
      'REGENT_APPROVALS_PATH',
      'REGENT_AUDIT_PATH',
      'REGENT_DIRECTORY_PATH',
      'REGENT_POLICY_OVERLAY_DIR',
    ]);
  });

  for (const [file, setting] of [
    ['Dockerfile', (name: string) => new RegExp(`^\\s*${name}=/var/lib/regent/`, 'm')],
    ['systemd/regent.service', (name: string) => new RegExp(`^Environment=${name}=/var/lib/regent/`, 'm')],
    ['systemd/regent@.service', (name: string) => new RegExp(`^Environment=${name}=/var/lib/regent/`, 'm')],
    ['kubernetes/base/configmap.yaml', (name: string) => new RegExp(`^  ${name}: /var/lib/regent/`, 'm')],
  ] as const) {
    it(`${file} sets each under /var/lib/regent`, async () => {
      const text = await readFile(path.join(DEPLOY, file), 'utf8');
      for (const name of WRITABLE) assert.match(text, setting(name), `${file} leaves ${name} at its default`);
    });
  }

  it('components/postgres moves approvals and the directory to the database with the trail', async () => {
    const text = await readFile(path.join(DEPLOY, 'kubernetes/components/postgres/kustomization.yaml'), 'utf8');
    for (const name of ['REGENT_AUDIT_DATABASE_URL', 'REGENT_DIRECTORY_DATABASE_URL'])
      assert.match(text, new RegExp(`- name: ${name}\\n\\s+valueFrom:`), name);
    assert.match(text, /- name: REGENT_APPROVAL_STORE\n\s+value: postgres/);
  });
});

describe('deploy/systemd/regent@.service (several processes behind one port)', () => {
  /** The unit's settings: comments and blank lines dropped. */
  const settings = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

  it('is regent.service plus its instance block, so the two cannot drift apart', async () => {
    const single = settings(await readFile(path.join(DEPLOY, 'systemd/regent.service'), 'utf8'));
    const template = settings(await readFile(path.join(DEPLOY, 'systemd/regent@.service'), 'utf8'));
    const block = [
      'Environment=REGENT_REUSE_PORT=true',
      'Environment=REGENT_METRICS_PORT=918%i',
      'EnvironmentFile=-/etc/regent/regent-%i.env',
    ];
    const expected = single.flatMap((l) =>
      l === 'EnvironmentFile=-/etc/regent/regent.env'
        ? [l, ...block]
        : l.startsWith('Description=')
          ? [`${l} (process %i)`]
          : [l],
    );
    assert.deepEqual(template, expected);
  });
});
