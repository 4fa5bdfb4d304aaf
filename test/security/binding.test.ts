/**
 * Fail-safe binding: regent listens beyond loopback only with authentication on, or when told
 * explicitly that something in front of it authenticates. The decision as a table, then the
 * real process refusing to start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkBinding, isLoopback } from '../../src/security/binding.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';

describe('isLoopback', () => {
  const cases = [
    { host: '127.0.0.1', want: true, note: 'the default' },
    { host: '127.9.8.7', want: true, note: 'anywhere in 127.0.0.0/8' },
    { host: '::1', want: true, note: 'IPv6 loopback' },
    { host: '0:0:0:0:0:0:0:1', want: true, note: 'IPv6 loopback spelled out' },
    { host: '::ffff:127.0.0.1', want: true, note: 'IPv4-mapped loopback' },
    { host: 'localhost', want: true, note: 'localhost' },
    { host: 'LOCALHOST', want: true, note: 'localhost in capitals' },
    { host: '0.0.0.0', want: false, note: 'every IPv4 interface' },
    { host: '::', want: false, note: 'every interface' },
    { host: '', want: false, note: 'empty (Node listens everywhere)' },
    { host: '10.1.2.3', want: false, note: 'a private address' },
    { host: '128.0.0.1', want: false, note: 'just outside 127/8' },
    { host: '::ffff:10.0.0.1', want: false, note: 'an IPv4-mapped private address' },
    { host: 'localhost.example.com', want: false, note: 'a name that only starts like localhost' },
    { host: '127.0.0.1.nip.io', want: false, note: 'a name that resolves wherever its owner says' },
    { host: 'regent.internal', want: false, note: 'any other name' },
  ];
  for (const c of cases) {
    it(`${c.want ? 'accepts' : 'rejects'} ${JSON.stringify(c.host)} (${c.note})`, () => {
      assert.equal(isLoopback(c.host), c.want);
    });
  }
});

describe('checkBinding', () => {
  const cases = [
    {
      note: 'loopback without authentication listens (the out-of-the-box setup)',
      host: '127.0.0.1',
      auth: false,
      tls: false,
      override: false,
      want: 'ok',
    },
    { note: 'loopback with authentication listens', host: '::1', auth: true, tls: false, override: false, want: 'ok' },
    {
      note: 'the network without authentication is refused',
      host: '0.0.0.0',
      auth: false,
      tls: false,
      override: false,
      want: 'refused',
    },
    {
      note: 'the network without authentication is refused even with TLS',
      host: '10.0.0.5',
      auth: false,
      tls: true,
      override: false,
      want: 'refused',
    },
    {
      note: 'the network without authentication listens when explicitly allowed, with a warning',
      host: '0.0.0.0',
      auth: false,
      tls: false,
      override: true,
      want: 'warned',
    },
    {
      note: 'the network with authentication and TLS listens',
      host: '0.0.0.0',
      auth: true,
      tls: true,
      override: false,
      want: 'ok',
    },
    {
      note: 'the network with tokens over plain HTTP listens, warning about clear-text tokens',
      host: '::',
      auth: true,
      tls: false,
      override: false,
      want: 'warned',
    },
    {
      note: 'the override changes nothing when authentication is on',
      host: '0.0.0.0',
      auth: true,
      tls: true,
      override: true,
      want: 'ok',
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const verdict = checkBinding({
        host: c.host,
        authEnabled: c.auth,
        tls: c.tls,
        allowUnauthenticatedNetwork: c.override,
      });
      const got = !verdict.ok ? 'refused' : verdict.warnings.length > 0 ? 'warned' : 'ok';
      assert.equal(got, c.want);
      if (!verdict.ok) {
        assert.match(verdict.message, /REGENT_TOKENS_FILE/);
        assert.match(verdict.message, /REGENT_ALLOW_UNAUTHENTICATED_NETWORK=true/);
      }
    });
  }
});

/** Runs `node src/main.ts` with exactly `env` (plus PATH), and returns its exit code and output. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('node src/main.ts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-main-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('refuses to listen on 0.0.0.0 without authentication, saying why and what to change', async () => {
    const run = await runMain({ REGENT_HOST: '0.0.0.0', REGENT_PORT: '0', REGENT_AUDIT_PATH: '' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /refusing to listen on 0\.0\.0\.0: authentication is off/);
    assert.match(run.stderr, /REGENT_ALLOW_UNAUTHENTICATED_NETWORK=true/);
    assert.doesNotMatch(run.stdout, /regent listening/);
  });

  it('reports every bad setting and security file at once', async () => {
    const tokens = path.join(dir, 'tokens.json');
    await writeFile(
      tokens,
      JSON.stringify({ tokens: [{ id: 'ci', token: 'plaintext-secret-value', scopes: ['everything'] }] }),
    );
    const run = await runMain({
      REGENT_PORT: 'eighty',
      REGENT_TOKENS_FILE: tokens,
      REGENT_TLS_CERT: path.join(dir, 'missing.crt'),
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /REGENT_PORT: "eighty" is not an integer/);
    assert.match(run.stderr, /plaintext tokens are not accepted/);
    assert.match(run.stderr, /tokens\[0\]\.sha256/);
    assert.match(run.stderr, /tokens\[0\]\.scopes/);
    assert.match(run.stderr, /REGENT_TLS_CERT and REGENT_TLS_KEY: give both/);
    assert.ok(!run.stderr.includes('plaintext-secret-value'), 'a secret in the file is never echoed');
  });
});
