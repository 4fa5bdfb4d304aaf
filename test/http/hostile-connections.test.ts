/**
 * Hostile connections against the real socket server (src/http/server/http-server.ts) over raw
 * sockets: bodies over their limit are refused while they are still arriving and the connection
 * closed, slow clients are cut off by the header and request deadlines, connections are capped,
 * oversized headers get a 431 the client can read, and a lone surrogate is a 400, not a 500.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { defaultConfig } from '../../src/config/load-config.ts';
import { createHttpServer, type RegentHttpServer } from '../../src/http/server/http-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRegent, type Regent } from '../../src/regent.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { scratchState } from '../support/scratch-state.ts';

const LIMITS = { headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, maxConnections: 8, maxHeaderBytes: 4096 };
const MAX_BODY = 64 * 1024;

/** One raw connection: what it received, and whether the server closed it. */
interface Conn {
  socket: Socket;
  received(): string;
  /** Resolves when the server has closed the connection (FIN or reset). */
  closed: Promise<{ reset: boolean }>;
  /** Resolves once `pattern` has been received. */
  waitFor(pattern: RegExp): Promise<string>;
}

function open(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const waiters: { pattern: RegExp; resolve: (t: string) => void; reject: (e: Error) => void }[] = [];
    let reset = false;
    let closedResolve: (v: { reset: boolean }) => void = () => undefined;
    const closed = new Promise<{ reset: boolean }>((r) => (closedResolve = r));
    const check = () => {
      for (const w of [...waiters])
        if (w.pattern.test(text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(text);
        }
    };
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      check();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true;
    });
    socket.on('close', () => {
      closedResolve({ reset });
      for (const w of waiters.splice(0)) w.reject(new Error(`closed before ${w.pattern} arrived; got: ${text}`));
    });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => text,
        closed,
        waitFor: (pattern) =>
          new Promise((res, rej) => {
            waiters.push({ pattern, resolve: res, reject: rej });
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

function status(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

function jsonBodyOf(text: string): any {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('hostile connections', () => {
  let dir: string;
  let regent: Regent;
  let http: RegentHttpServer;
  let port: number;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-hostile-'));
    const config = defaultConfig({
      port: 0,
      ...scratchState(dir),
      bundlePath: (await regoBundle()).file,
      maxBodyBytes: MAX_BODY,
      decisionLog: false,
      evalWorkers: 0,
      ...LIMITS,
    });
    regent = createRegent(config, {
      logger: createLogger({ level: 'error', stream: new PassThrough() }),
      defaultMetrics: false,
    });
    await regent.start();
    http = createHttpServer(regent.app, config.security, LIMITS, regent.drain);
    await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
    port = (http.server.address() as AddressInfo).port;
  });
  after(async () => {
    http.cutOff();
    await new Promise((resolve) => http.server.close(resolve));
    await regent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 413 to a chunked body the moment it passes the limit, without its last chunk, and closes', async () => {
    const c = await open(port);
    c.socket.write(
      'POST /v1/decisions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const chunk = 'x'.repeat(16 * 1024);
    // Just over the limit, and never the terminating chunk: an answer now can only come from the limit.
    for (let sent = 0; sent <= MAX_BODY; sent += chunk.length)
      c.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const text = await c.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(status(text), 413);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.equal(jsonBodyOf(text).code, 'payload_too_large');
    assert.equal(jsonBodyOf(text).decision, 'deny');
    await c.closed;
  });

  it('answers 413 to a Content-Length over the limit and closes without reading the body', async () => {
    const c = await open(port);
    c.socket.write(
      `POST /v1/decisions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${100 * MAX_BODY}\r\n\r\n{"a":`,
    );
    const text = await c.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(status(text), 413);
    assert.match(text, /\r\nconnection: close\r\n/i);
    // The server does not wait for the 6.4 MB it was promised: it closes the connection.
    await c.closed;
  });

  it('answers 431 in JSON, not a reset, to headers over the size limit', async () => {
    const c = await open(port);
    c.socket.write(
      `GET /health/live HTTP/1.1\r\nHost: x\r\nx-filler: ${'a'.repeat(4 * LIMITS.maxHeaderBytes)}\r\n\r\n`,
    );
    const text = await c.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(status(text), 431);
    assert.equal(jsonBodyOf(text).code, 'request_header_fields_too_large');
    assert.equal((await c.closed).reset, false, 'closed without a reset');
  });

  it('answers 408 and closes a connection that never finishes its headers', async () => {
    const c = await open(port);
    c.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const text = await c.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(status(text), 408);
    assert.equal(jsonBodyOf(text).code, 'request_timeout');
    await c.closed;
  });

  it('answers 408 and closes a connection whose body never finishes', async () => {
    const c = await open(port);
    c.socket.write(
      'POST /v1/decisions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a"',
    );
    const text = await c.waitFor(/\r\n\r\n\{.*\}$/s);
    assert.equal(status(text), 408);
    await c.closed;
  });

  it('closes connections past the cap at once and accepts again when one closes', async () => {
    const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => open(port)));
    // Each held connection has been accepted by the server once it answers on it.
    for (const c of held) {
      c.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.waitFor(/\r\n\r\n\{.*\}$/s);
    }
    const extra = await open(port);
    await extra.closed;
    assert.equal(extra.received(), '', 'a connection past the cap gets no answer');
    held[0]?.socket.destroy();
    await held[0]?.closed;
    let answered = '';
    for (let attempt = 0; attempt < 100 && answered === ''; attempt++) {
      const again = await open(port);
      again.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nconnection: close\r\n\r\n');
      await again.closed;
      answered = again.received();
      if (answered === '') await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status(answered), 200);
    for (const c of held.slice(1)) c.socket.destroy();
  });

  for (const target of ['/v1/decisions', '/v1/data/regent/decision']) {
    it(`answers 400 to a lone surrogate in a string or key on ${target}`, async () => {
      for (const json of [
        JSON.stringify(EXAMPLES.allow).replace('"hr-assistant"', '"\\ud800"'),
        JSON.stringify(EXAMPLES.allow).replace('"hr-assistant"', '"ok\\udfff"'),
        JSON.stringify({ ...EXAMPLES.allow, extra: 1 }).replace('"extra"', '"\\udc00x"'),
      ]) {
        const body = target === '/v1/decisions' ? json : `{"input":${json}}`;
        const res = await fetch(`http://127.0.0.1:${port}${target}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const answer = (await res.json()) as { code: string; errors: { code: string }[] };
        assert.equal(res.status, 400, JSON.stringify(answer));
        assert.equal(answer.code, 'invalid_parameter');
        assert.equal(answer.errors[0]?.code, 'invalid_unicode');
      }
    });
  }

  it('still accepts a surrogate pair (an emoji) as ordinary text', async () => {
    const body = JSON.stringify(EXAMPLES.allow).replace('"hr-assistant"', '"\\ud83d\\ude00"');
    const res = await fetch(`http://127.0.0.1:${port}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 200);
  });
});
