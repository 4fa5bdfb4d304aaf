/**
 * The README's one command: `regent-mcp-gateway --config gateway.json` started by an MCP client
 * over stdio (the way agent hosts start MCP servers), fronting the example HR server over
 * Streamable HTTP, runs the incident against a real regent.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serveHrHttp } from '../../packages/mcp-gateway/examples/hr-server.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { HR_AGENT, HR_TOOLS, ROOT, textOf } from './gateway-support.ts';

describe('regent-mcp-gateway over stdio', () => {
  let regent: TestServer;
  let hr: { url: string; close(): Promise<void> };
  let client: Client;
  let outbox: string;
  before(async () => {
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-gateway-stdio-'));
    outbox = path.join(dir, 'outbox.jsonl');
    process.env['HR_SERVER_OUTBOX'] = outbox; // the HR server runs in this process
    hr = await serveHrHttp(0);
    const config = path.join(dir, 'gateway.json');
    await writeFile(
      config,
      JSON.stringify({
        regent: { url: regent.url },
        agent: HR_AGENT,
        upstreams: { hr: { http: { url: hr.url }, tools: HR_TOOLS } },
      }),
    );
    client = new Client({ name: 'scripted-agent', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: path.join(ROOT, 'node_modules/.bin/regent-mcp-gateway'),
        args: ['--config', config],
        env: { PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
        stderr: 'pipe',
      }),
    );
  });
  after(async () => {
    await client.close();
    await hr.close();
    await regent.close();
    delete process.env['HR_SERVER_OUTBOX'];
  });

  it('runs the incident: read allowed, #general refused with its reason, the DM sent', async () => {
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), [
      'post_message',
      'read_employee',
      'send_dm',
    ]);
    const read = await client.callTool({ name: 'read_employee', arguments: { employee_id: 'emp-42' } });
    assert.notEqual(read.isError, true, textOf(read));
    const post = await client.callTool({
      name: 'post_message',
      arguments: { channel: '#general', text: 'Bob earns 180000' },
    });
    assert.equal(post.isError, true);
    assert.match(textOf(post), /flow\.audience_not_cleared/);
    const dm = await client.callTool({
      name: 'send_dm',
      arguments: { to: 'alice@example.com', text: 'Bob earns 180000' },
    });
    assert.notEqual(dm.isError, true, textOf(dm));
    const sent = (await readFile(outbox, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { tool: string }).tool);
    assert.deepEqual(sent, ['send_dm']);
  });
});
