/**
 * Starts a real regent in this process on 127.0.0.1 (a free port), built by createRegent from a
 * real bundle, with its logs captured so tests can assert on them. Requests go over real HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Server } from 'node:http';
import { defaultConfig, type Config } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRegent, type Regent } from '../../src/regent.ts';
import { scratchState } from './scratch-state.ts';

/** A running test server. */
export interface TestServer {
  url: string;
  regent: Regent;
  /** Every log line written so far, as text. */
  logs(): string;
  /** Parsed log records. */
  records(): Record<string, unknown>[];
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; text: string }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

/** Starts regent with `overrides` on top of test defaults (audit trail in a temp dir, quiet logs captured). */
export async function startRegent(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-server-'));
  const config = defaultConfig({ port: 0, ...scratchState(dir), logLevel: 'debug', ...overrides });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ level: config.logLevel, stream });
  const regent = createRegent(config, { logger, defaultMetrics: false });
  await regent.start();
  const server: Server = await new Promise((resolve) => {
    const s = regent.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(url + p, init);
    const raw = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed as any, text: raw };
  };
  return {
    url,
    regent,
    logs: () => text,
    records: () =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    post: (p, body, headers) => call('POST', p, body, headers),
    get: (p, headers) => call('GET', p, undefined, headers),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await regent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
