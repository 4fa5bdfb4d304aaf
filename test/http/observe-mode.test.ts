/**
 * Observe mode (issue 21): an agent whose registry entry says `mode: "observe"` gets an allow,
 * with what the policy would have answered beside it, in the answer, the audit trail, the
 * decision log and a metric, except for the floor of reasons the catalogue still enforces.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { buildBundle } from '../../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

async function observedBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-observe-'));
  const src = path.join(dir, 'rego');
  await cp(path.join(REPO_ROOT, 'rego'), src, { recursive: true });
  const file = path.join(src, 'regent/config/data.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as {
    agents: Record<string, Record<string, unknown>>;
    observe?: unknown;
  };
  (config.agents['sales-assistant'] as Record<string, unknown>)['mode'] = 'observe';
  config.observe = { enforce: ['detect.*'] };
  await writeFile(file, JSON.stringify(config));
  const out = path.join(dir, 'bundle.tar.gz');
  await buildBundle({ sourceDir: src, outFile: out, capabilities: await buildCapabilities(opaBinary()) });
  return out;
}

describe('observe mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: await observedBundle() });
  });
  after(async () => server.close());

  it('answers an observed agent allow, with the deny it would have had, and records both', async () => {
    const res = await server.post('/v1/decisions', {
      agent: { id: 'sales-assistant' },
      action: { tool: 'vault.write_secret', kind: 'write', resource: { system: 'vault', id: 'k' } },
    });
    assert.equal(res.body.decision, 'allow', res.text);
    assert.equal(res.body.observed.decision, 'deny');
    assert.ok(
      res.body.observed.reasons.some((r: { code: string }) => r.code === 'tool.not_allowed'),
      res.text,
    );
    const page = await server.regent.audit()!.search({ type: 'decision', limit: 100 });
    const rec = page.records.find((r) => r.type === 'decision' && r.decision_id === res.body.decision_id);
    assert.ok(rec !== undefined && rec.type === 'decision');
    assert.equal(rec.decision, 'allow');
    assert.equal(rec.observed?.decision, 'deny');
    assert.match((await server.get('/metrics')).text, /regent_observed_decisions_total\{decision="deny"\} 1/);
    assert.ok(server.logs().includes('"observed":{"decision":"deny"'));
  });

  it('still enforces the floor the catalogue names', async () => {
    const token = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const res = await server.post('/v1/decisions', {
      agent: { id: 'sales-assistant' },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { text: `use ${token}` },
    });
    assert.equal(res.body.decision, 'redact', res.text);
    assert.equal(res.body.observed, undefined);
    assert.ok(!res.text.includes(token));
  });

  it('leaves enforced agents enforced', async () => {
    const res = await server.post('/v1/decisions', {
      agent: { id: 'eng-assistant' },
      action: { tool: 'workday.read_employee', kind: 'read' },
    });
    assert.equal(res.body.decision, 'deny');
    assert.equal(res.body.observed, undefined);
  });
});
