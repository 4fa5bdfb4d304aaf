/**
 * The evaluation workers' compile cache (src/policy/evaluator/compile-cache.ts): a private
 * directory or none, never one another user could write code into, and real workers filling it.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBundle } from '../../src/policy/bundle/read-bundle.ts';
import { workerCompileCacheDir } from '../../src/policy/evaluator/compile-cache.ts';
import { createEvaluator } from '../../src/policy/evaluator/create-evaluator.ts';
import { regoBundle } from '../support/bundles.ts';

const uid = process.getuid?.() ?? -1;
const name = `regent-compile-cache-${uid}`;

describe('workerCompileCacheDir', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'regent-cc-test-'));
  });
  after(async () => rm(base, { recursive: true, force: true }));

  it('creates a directory only its user can enter, named for the user', async () => {
    const dir = workerCompileCacheDir({}, base);
    assert.equal(dir, path.join(base, name));
    const st = await stat(dir);
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, uid);
  });

  it('leaves an operator’s own NODE_COMPILE_CACHE, or its switch-off, alone', () => {
    assert.equal(workerCompileCacheDir({ NODE_COMPILE_CACHE: '/elsewhere' }, base), undefined);
    assert.equal(workerCompileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, base), undefined);
  });

  it('refuses a directory others may write to', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'regent-cc-open-'));
    try {
      await mkdir(path.join(other, name));
      await chmod(path.join(other, name), 0o777);
      assert.equal(workerCompileCacheDir({}, other), undefined);
      await chmod(path.join(other, name), 0o770);
      assert.equal(workerCompileCacheDir({}, other), undefined);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses a symlink planted where the directory should be', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'regent-cc-link-'));
    try {
      const target = path.join(other, 'target');
      await mkdir(target, { mode: 0o700 });
      await symlink(target, path.join(other, name));
      assert.equal(workerCompileCacheDir({}, other), undefined);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('evaluation workers', () => {
  it('fill the compile cache as they start', async () => {
    const dir = workerCompileCacheDir();
    assert.ok(dir !== undefined, 'a private cache directory could be made');
    await rm(dir, { recursive: true, force: true });
    const bundle = await readBundle(await readFile((await regoBundle()).file));
    const pool = await createEvaluator(bundle, {
      workers: 1,
      timeoutMs: 5000,
      maxQueue: 10,
      maxMemoryPages: 1024,
      recycleAboveBytes: 1 << 30,
    });
    await pool.close();
    // Node writes a worker's cache entries when it exits; the directory itself is remade on spawn.
    const entries = await readdir(dir, { recursive: true });
    assert.ok(entries.length > 1, `cache entries after one worker: ${entries.join(', ')}`);
  });
});
