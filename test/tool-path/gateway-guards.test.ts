/**
 * The gateway's guards: it refuses every call when regent is unreachable or slower than the
 * configured deadline (fail closed, the upstream never called), authenticates each agent by its
 * bearer token and binds a session to it, and reports every configuration problem at once.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseGatewayConfig } from '@regent/mcp-gateway';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { startGateway, textOf, TOKENS, type RunningGateway } from './gateway-support.ts';

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('the gateway fails closed', () => {
  const cases = [
    {
      note: 'regent unreachable',
      code: 'client.unreachable',
      start: async () => ({ url: `http://127.0.0.1:${await closedPort()}`, close: async () => {} }),
    },
    {
      note: 'regent slower than deadline_ms',
      code: 'client.timeout',
      start: async () => {
        const s = http.createServer(() => undefined); // reads the request, never answers
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
        return {
          url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
          close: () => {
            s.closeAllConnections();
            return new Promise<void>((r) => s.close(() => r()));
          },
        };
      },
    },
  ];
  for (const c of cases) {
    it(`refuses the call with ${c.code} when ${c.note}, and lists no tool`, async () => {
      const regent = await c.start();
      const gw = await startGateway(regent.url, { regent: { url: regent.url, deadline_ms: 200 } });
      try {
        const agent = await gw.connect(TOKENS.hr);
        assert.deepEqual((await agent.listTools()).tools, []);
        const post = await agent.callTool({ name: 'post_message', arguments: { channel: '#general', text: 'hi' } });
        assert.equal(post.isError, true);
        assert.match(textOf(post), new RegExp(c.code.replace('.', '\\.')));
        assert.deepEqual(await gw.delivered(), [], 'nothing reached the upstream');
      } finally {
        await gw.close();
        await regent.close();
      }
    });
  }
});

describe('the gateway towards agents over Streamable HTTP', () => {
  let regent: TestServer;
  let gw: RunningGateway;
  before(async () => {
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    gw = await startGateway(regent.url);
  });
  after(async () => {
    await gw.close();
    await regent.close();
  });

  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(gw.listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(body),
    });

  it('refuses a request without a known bearer token (401)', async () => {
    assert.equal((await post({}, initialize)).status, 401);
    assert.equal((await post({ authorization: 'Bearer guessed' }, initialize)).status, 401);
  });

  it("refuses another client's session id (403): the token, not the session id, says who the agent is", async () => {
    const opened = await post({ authorization: `Bearer ${TOKENS.hr}` }, initialize);
    const sid = opened.headers.get('mcp-session-id');
    await opened.body?.cancel();
    assert.ok(sid);
    const hijack = await post(
      { authorization: `Bearer ${TOKENS.sales}`, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    );
    assert.equal(hijack.status, 403);
  });

  it('forwards redacted arguments when regent redacts the payload', async () => {
    const agent = await gw.connect(TOKENS.hr);
    const text = 'Deploy key AKIAIOSFODNN7EXAMPLE for the team';
    const res = await agent.callTool({ name: 'post_message', arguments: { channel: '#hr-team', text } });
    const sent = (await gw.delivered()).find((m) => m['channel'] === '#hr-team');
    const call = gw.logs.find((e) => e['event'] === 'tool_call' && e['tool'] === 'post_message');
    if (call?.['decision'] === 'redact') {
      assert.notEqual(res.isError, true, textOf(res));
      assert.ok(sent !== undefined && !String(sent['text']).includes('AKIAIOSFODNN7EXAMPLE'), JSON.stringify(sent));
    } else {
      assert.equal(call?.['decision'], 'deny', 'a secret is never forwarded as it was');
      assert.equal(sent, undefined);
    }
  });
});

describe('the gateway configuration', () => {
  it('reports every problem at once', () => {
    const bad = {
      regent: { url: 'ftp://x', deadline_ms: 0 },
      upstreams: {
        a: { tools: { t: { regent_tool: 'x.y', kind: 'fly' } } },
        b: { stdio: { command: 'x' }, tools: { t: { regent_tool: 'bad tool', kind: 'read', unknown: 1 } } },
      },
    };
    assert.throws(
      () => parseGatewayConfig(bad, '/'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        for (const where of [
          '/regent/url',
          '/regent/deadline_ms',
          '/upstreams/a/tools/t/kind',
          '/upstreams/a ',
          '/upstreams/b/tools/t/regent_tool',
          '/upstreams/b/tools/t must NOT have additional properties',
        ])
          assert.ok(text.includes(where), `${where} in:\n${text}`);
        return true;
      },
    );
  });

  it('refuses two tools exposed under one name, and a configuration with no agent side', () => {
    const raw = {
      regent: { url: 'http://127.0.0.1:1' },
      upstreams: {
        a: { stdio: { command: 'x' }, tools: { t: { regent_tool: 'x.y', kind: 'read' } } },
        b: { stdio: { command: 'x' }, tools: { u: { regent_tool: 'x.y', kind: 'read', expose_as: 't' } } },
      },
    };
    assert.throws(
      () => parseGatewayConfig(raw, '/'),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.includes("exposed name 't'")) &&
        err.problems.some((p) => p.includes('needs "agent"')),
    );
  });
});
