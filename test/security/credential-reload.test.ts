/**
 * SIGHUP on a real regent process re-reads its tokens file: a removed token is refused at once
 * and a new one admitted, in the same process (no restart, so in-memory sessions are kept). A
 * broken file, or one that would turn authentication off, changes nothing and is counted as a
 * failed reload.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { sampleValue } from '../support/metrics-text.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';
import { makeToken, tokensFileText } from '../support/secure-regent.ts';

const old = makeToken('gateway-old', ['decide', 'metrics']);
const next = makeToken('gateway-new', ['decide', 'metrics']);

describe('credential reload on SIGHUP', () => {
  let dir: string;
  let tokensFile: string;
  let regent: RegentProcess;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-reload-'));
    tokensFile = path.join(dir, 'tokens.json');
    await writeFile(tokensFile, tokensFileText([old]));
    regent = await startRegentProcess({
      REGENT_BUNDLE: (await regoBundle()).file,
      REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
      REGENT_TOKENS_FILE: tokensFile,
    });
  });
  after(async () => {
    await regent.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const decide = async (token: string) =>
    (
      await fetch(`${regent.url}/v1/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...EXAMPLES.allowInternal, session: { id: 'kept-across-reloads' } }),
      })
    ).status;
  const reloads = async (token: string, result: string) => {
    const res = await fetch(`${regent.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    return sampleValue(await res.text(), `regent_credential_reloads_total{result="${result}"}`);
  };
  /** Sends SIGHUP and waits for the process to log the outcome. */
  const hangUp = async (message: string) => {
    const seen = regent.output().split(message).length;
    regent.child.kill('SIGHUP');
    for (let i = 0; i < 500 && regent.output().split(message).length === seen; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(regent.output().split(message).length > seen, `no "${message}" log after SIGHUP`);
  };

  it('swaps the tokens file in: the removed token is refused, the new one admitted', async () => {
    assert.equal(await decide(old.token), 200);
    assert.equal(await decide(next.token), 401);
    await writeFile(tokensFile, tokensFileText([next]));
    await hangUp('credentials reloaded');
    assert.equal(await decide(old.token), 401);
    assert.equal(await decide(next.token), 200);
    assert.equal(await reloads(next.token, 'success'), 1);
    assert.ok(!regent.output().includes(next.token) && !regent.output().includes(old.token), 'no token in the logs');
  });

  it('keeps the current tokens when the new file is broken or would turn authentication off', async () => {
    for (const text of ['{"tokens": [{"id": "x", "token": "plaintext"}]}', '{"tokens": []}', 'not json']) {
      await writeFile(tokensFile, text);
      await hangUp('credentials not reloaded');
      assert.equal(await decide(next.token), 200, text);
    }
    assert.equal(await reloads(next.token, 'failure'), 3);
    const anonymous = await fetch(`${regent.url}/v1/decisions`, { method: 'POST' });
    assert.equal(anonymous.status, 401, 'authentication stays on');
  });
});
