/**
 * A revision whose configuration has problems never serves: at start regent stays not ready and
 * says why, and a later bad revision is refused with every problem listed while the previous one
 * keeps serving (issue 12: a role naming an unknown tool, a label whose classification is not in
 * the lattice, an audience cleared `Restricted` used to load silently).
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCapabilities } from '../../src/policy/capabilities.ts';
import { buildBundle } from '../../src/policy/toolchain/build-bundle.ts';
import { REPO_ROOT, opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const MISTAKES = [
  "roles.assistant: tool 'workday.read_salaries' is not defined in tools",
  "labels.compensation: classification 'secret' is not a classification",
  "audiences.individual: clearance 'Restricted' is not a classification",
];

/** The shipped rego/ with three configuration mistakes, built into a bundle. */
async function brokenBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-config-check-'));
  const src = path.join(dir, 'rego');
  await cp(path.join(REPO_ROOT, 'rego'), src, { recursive: true });
  const file = path.join(src, 'regent/config/data.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as {
    roles: Record<string, { tools: string[] }>;
    labels: Record<string, { classification: string }>;
    audiences: Record<string, { clearance: string }>;
  };
  config.roles['assistant']?.tools.push('workday.read_salaries');
  (config.labels['compensation'] as { classification: string }).classification = 'secret';
  (config.audiences['individual'] as { clearance: string }).clearance = 'Restricted';
  await writeFile(file, JSON.stringify(config));
  const out = path.join(dir, 'bundle.tar.gz');
  await buildBundle({ sourceDir: src, outFile: out, capabilities: await buildCapabilities(opaBinary()) });
  return out;
}

describe('configuration checked before it serves', () => {
  let broken: string;
  before(async () => {
    broken = await brokenBundle();
  });

  describe('a good revision serving', () => {
    let server: TestServer;
    before(async () => {
      server = await startRegent({ bundlePath: (await regoBundle()).file });
    });
    after(async () => server.close());

    it('refuses a revision with configuration problems, listing every one, and keeps the previous', async () => {
      const before = server.regent.policies.current()?.revision;
      await assert.rejects(server.regent.policies.loadFile(broken), (err: Error) => {
        for (const m of MISTAKES) assert.ok(err.message.includes(m), `${m} in ${err.message}`);
        return true;
      });
      assert.equal(server.regent.policies.current()?.revision, before);
      const res = await server.post('/v1/decisions', {
        agent: { id: 'hr-assistant' },
        action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'x' } },
      });
      assert.equal(res.body.decision, 'allow', res.text);
      const status = await server.get('/v1/status');
      assert.match(status.text, /workday\.read_salaries/);
    });
  });

  describe('a bad revision at start', () => {
    let server: TestServer;
    before(async () => {
      server = await startRegent({ bundlePath: broken });
    });
    after(async () => server.close());

    it('stays not ready and answers 503, saying why', async () => {
      assert.equal((await server.get('/health/ready')).status, 503);
      const res = await server.post('/v1/decisions', {
        agent: { id: 'hr-assistant' },
        action: { tool: 'x', kind: 'read' },
      });
      assert.equal(res.status, 503);
      assert.ok(server.logs().includes("audiences.individual: clearance 'Restricted' is not a classification"));
    });
  });
});
