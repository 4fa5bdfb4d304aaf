/**
 * A real HTTP receiver on 127.0.0.1 for what regent sends out (OTLP spans, decision-log
 * uploads): it records every request with its headers and decoded body (gunzipped when
 * `Content-Encoding: gzip`), and answers with whatever status the test sets.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One received request. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent on the wire. */
  raw: Buffer;
  /** The decoded body, parsed as JSON. */
  json: unknown;
}

/** A running receiver. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Requests that arrived, answered or not. */
  attempts: number;
  /** The status the next requests get (default 200); `hang` holds them without an answer. */
  answer: number | 'hang';
  /** Resolves once `predicate` holds over what was received (checked on every request), or rejects after `ms`. */
  until(predicate: (received: Received[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received: [],
    attempts: 0,
    answer: 200,
    until(predicate, ms = 10_000) {
      if (predicate(receiver.received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met within ${ms} ms (${receiver.received.length} requests)`));
        }, ms);
        waiters.add(check);
      });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answer = receiver.answer;
      receiver.attempts++;
      for (const w of [...waiters]) w();
      if (answer === 'hang') return;
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (answer >= 200 && answer < 300)
        receiver.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, json });
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
