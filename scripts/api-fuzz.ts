/**
 * `make test-api`: runs schemathesis (scripts/ensure-schemathesis.sh) against a real regent
 * over HTTP (createRegent and the server factory src/main.ts uses) on a free loopback port, serving the built bundle, authentication on
 * with a token that has every scope, the audit trail in a temporary directory. Schemathesis reads
 * the live /v1/openapi.json and runs every check (no 5xx, responses and status codes as
 * documented, 405 with Allow for undocumented methods, 401 without the token) with a bounded
 * number of examples per operation. Exits with schemathesis's status; regent's error log lines are
 * printed when it fails.
 * Usage: node scripts/api-fuzz.ts [--st PATH] [--max-examples N] [--seed N]
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createRegent } from '../src/regent.ts';
import { createRegentServer } from '../src/security/tls-server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    st: { type: 'string', default: path.join(ROOT, '.tools/venv/bin/st') },
    'max-examples': { type: 'string', default: process.env['API_FUZZ_EXAMPLES'] ?? '20' },
    seed: { type: 'string', default: process.env['API_FUZZ_SEED'] ?? '20261207' },
    bundle: { type: 'string', default: path.join(ROOT, 'bundles/regent.tar.gz') },
  },
});

const dir = await mkdtemp(path.join(tmpdir(), 'regent-api-fuzz-'));
const token = randomBytes(32).toString('base64url');
const tokensFile = path.join(dir, 'tokens.json');
await writeFile(
  tokensFile,
  JSON.stringify({
    tokens: [
      { id: 'fuzz', sha256: createHash('sha256').update(token).digest('hex'), scopes: ['admin', 'decide', 'metrics'] },
    ],
  }),
);

// In this process, through the server factory src/main.ts uses (as test/support/secure-regent.ts does).
const config = defaultConfig({
  host: '127.0.0.1',
  port: 0,
  bundlePath: values.bundle,
  tokensFile,
  auditPath: path.join(dir, 'trail.jsonl'),
  decisionLog: false,
  logLevel: 'info',
});
let log = '';
const stream = new PassThrough();
stream.on('data', (c: Buffer) => (log += c.toString('utf8')));
const regent = createRegent(config, { logger: createLogger({ level: config.logLevel, stream }) });
const server = createRegentServer(regent.app, config.security);

let status: number;
try {
  await regent.start();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = Date.now();
  status = await new Promise<number>((resolve, reject) => {
    const st = spawn(
      values.st,
      [
        '--config-file',
        path.join(ROOT, 'tools/schemathesis.toml'),
        'run',
        `${url}/v1/openapi.json`,
        '--url',
        url,
        '--header',
        `Authorization: Bearer ${token}`,
        '--max-examples',
        values['max-examples'],
        '--seed',
        values.seed,
        // One worker: hypothesis parses lambdas with `ast` in each thread, which CPython 3.11 does not
        // survive concurrently ("AST constructor recursion depth mismatch").
        '--workers',
        '1',
        '--request-timeout',
        '30',
        '--no-color',
      ],
      { cwd: dir, stdio: 'inherit' },
    );
    st.once('error', reject);
    st.once('exit', (code) => resolve(code ?? 1));
  });
  console.log(
    `api-fuzz: schemathesis finished in ${((Date.now() - started) / 1000).toFixed(1)} s with status ${status}`,
  );
  if (status !== 0) {
    const errors = log.split('\n').filter((l) => /"level":"error"/.test(l));
    console.log(`api-fuzz: regent's error log lines (${errors.length}):\n${errors.slice(0, 50).join('\n')}`);
  }
} finally {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await regent.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(status);
