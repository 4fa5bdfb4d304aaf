/**
 * The floor under a decision's CPU: a server that does only what any JSON service on regent's
 * named stack must do for `POST /v1/decisions`, and nothing regent adds. It reads the body, parses
 * it, and answers a fixed decision-shaped JSON text of the size regent's answers have. Run by
 * bench/cpu-profile.ts (`--floor`) beside regent, pinned and driven the same way, so the two
 * figures come from one run on one machine state.
 *
 *   node bench/lib/http-floor-server.ts express|node
 *
 * `express`: express 5 with `express.json()` and `res.json()`, as regent's route uses them, and
 * no other middleware. `node`: node:http alone, the body gathered and `JSON.parse`d, the answer
 * `JSON.stringify`d. Prints `{"port":N}` once it listens, then logs nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** A decision-shaped answer about the size of regent's (reasons, ids, revision, no redactions). */
export const FLOOR_ANSWER = {
  decision: 'allow',
  reasons: [
    {
      code: 'flow.allowed',
      message: 'the data may flow to this destination: every recipient is cleared for its labels',
    },
  ],
  redactions: [],
  decision_id: '01J0000000000000000000000000',
  policy: { revision: '0000000000000000', bundle: 'regent' },
  session: { id: 's-1', labels: [], classification: 'public' },
};

const mode = process.argv[2];
let server: http.Server;
if (mode === 'express') {
  const app = express();
  app.disable('x-powered-by');
  app.post('/v1/decisions', express.json({ limit: '1mb' }), (req, res) => {
    if (typeof req.body !== 'object' || req.body === null) {
      res.status(400).json({ error: 'body must be an object' });
      return;
    }
    res.json(FLOOR_ANSWER);
  });
  server = http.createServer(app);
} else if (mode === 'node') {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const status = typeof body === 'object' && body !== null ? 200 : 400;
      const text = JSON.stringify(status === 200 ? FLOOR_ANSWER : { error: 'body must be an object' });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(text);
    });
  });
} else {
  console.error('usage: node bench/lib/http-floor-server.ts express|node');
  process.exit(2);
}
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
