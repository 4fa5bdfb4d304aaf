/**
 * Remote and disk bundle sources. The poller talks to a real HTTP bundle server on 127.0.0.1
 * (node:http) speaking OPA's bundle protocol; bundles are built by the real opa binary and signed
 * by regent. The same server and bundles are also polled by a real `opa run`, so the protocol and
 * signatures are checked against OPA's own bundle plugin.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BundleError } from '../../src/errors/policy-errors.ts';
import {
  backoffMs,
  BundlePoller,
  type BundleMeta,
  type BundlePollerOptions,
  type PollFailure,
} from '../../src/policy/bundle/bundle-poller.ts';
import { loadBundleFile } from '../../src/policy/bundle/load-bundle.ts';
import { signBundle } from '../../src/policy/bundle/sign-bundle.ts';
import { BundleVerificationError } from '../../src/policy/bundle/verification-error.ts';
import { opaBinary } from '../../src/policy/toolchain/opa-cli.ts';
import { makeKey, opaBuild, repack, tempDir, verificationFor, writeSource, type TestKey } from './bundle-support.ts';
import { freePort } from '../support/free-port.ts';

const RESOURCE = 'bundles/regent.tar.gz';

/** An OPA-protocol bundle server: serves one bundle with an ETag, answers If-None-Match with 304. */
class BundleServer {
  served: { bytes: Uint8Array; etag: string } | undefined;
  /** Answer this many requests with 503 before serving again. */
  failNext = 0;
  /** When set, requests need `Authorization: Bearer <token>`. */
  token: string | undefined;
  sendEtag = true;
  readonly requests: {
    ifNoneMatch: string | undefined;
    authorization: string | undefined;
    userAgent: string | undefined;
  }[] = [];
  url = '';
  private readonly server = createServer((req, res) => {
    this.handle(req, res);
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const header = (name: string): string | undefined => req.headers[name] as string | undefined;
    this.requests.push({
      ifNoneMatch: header('if-none-match'),
      authorization: header('authorization'),
      userAgent: header('user-agent'),
    });
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    if (this.failNext > 0) {
      this.failNext--;
      res.writeHead(503).end('down for maintenance');
      return;
    }
    if (req.url !== `/${RESOURCE}` || this.served === undefined) {
      res.writeHead(404).end('no such bundle');
      return;
    }
    const etag = this.sendEtag ? { etag: this.served.etag } : {};
    if (this.sendEtag && req.headers['if-none-match'] === this.served.etag) {
      res.writeHead(304, etag).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip', ...etag }).end(Buffer.from(this.served.bytes));
  }
}

interface Fixtures {
  dir: string;
  key: TestKey;
  stranger: TestKey;
  v1: Uint8Array;
  v2: Uint8Array;
  unsignedV2: Uint8Array;
}

let f: Fixtures;

before(async () => {
  const dir = await tempDir();
  const src = await writeSource(dir);
  const [key, stranger] = await Promise.all([makeKey(dir, 'RS256', 'ci'), makeKey(dir, 'RS256', 'stranger')]);
  const unsignedV1 = await opaBuild(src, path.join(dir, 'v1.tar.gz'), { revision: 'v1' });
  const unsignedV2 = await opaBuild(src, path.join(dir, 'v2.tar.gz'), { revision: 'v2' });
  f = {
    dir,
    key,
    stranger,
    v1: await signBundle(unsignedV1, { key: key.privatePem, keyid: 'ci' }),
    v2: await signBundle(unsignedV2, { key: key.privatePem, keyid: 'ci' }),
    unsignedV2,
  };
});

/** A poller against `server` with regent's verification of the `ci` key, recording what it hands on. */
function pollerFor(server: { url: string }, overrides: Partial<BundlePollerOptions> = {}) {
  const activations: BundleMeta[] = [];
  const errors: { failure: PollFailure; message: string }[] = [];
  const poller = new BundlePoller({
    name: 'regent',
    url: server.url,
    resource: RESOURCE,
    verification: verificationFor(f.key, 'ci'),
    minDelaySeconds: 0.02,
    maxDelaySeconds: 0.05,
    onBundle: (_bytes, meta) => {
      activations.push(meta);
    },
    onError: (error, failure) => {
      assert.ok(error instanceof BundleError);
      errors.push({ failure, message: error.message });
    },
    ...overrides,
  });
  return { poller, activations, errors };
}

/** Polls until `condition` holds; the timeout only bounds a hang, generously, so a loaded machine cannot break it. */
async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('BundlePoller speaks OPA’s bundle protocol', () => {
  let server: BundleServer;
  before(async () => {
    server = await new BundleServer().start();
  });
  after(() => server.close());

  it('activates the first bundle, then sends If-None-Match and treats 304 as unchanged', async () => {
    server.served = { bytes: f.v1, etag: '"e1"' };
    const { poller, activations } = pollerFor(server);
    const seen = server.requests.length;

    assert.equal(await poller.pollOnce(), 'activated');
    assert.equal(server.requests[seen]?.ifNoneMatch, undefined);
    assert.equal(activations.length, 1);
    assert.equal(activations[0]?.revision, 'v1');
    assert.equal(activations[0]?.etag, '"e1"');
    assert.equal(activations[0]?.signature?.keyid, 'ci');
    assert.equal(activations[0]?.bundle.manifest.revision, 'v1');

    assert.equal(await poller.pollOnce(), 'unchanged');
    assert.equal(server.requests[seen + 1]?.ifNoneMatch, '"e1"');
    assert.equal(activations.length, 1, 'a 304 activates nothing');
    const status = poller.status();
    assert.equal(status.activeRevision, 'v1');
    assert.equal(status.etag, '"e1"');
    assert.equal(status.httpCode, 304);
    assert.equal(status.failing, false);
    assert.equal(status.source, `${server.url}/${RESOURCE}`);
    for (const field of [
      'lastRequest',
      'lastSuccessfulRequest',
      'lastSuccessfulDownload',
      'lastSuccessfulActivation',
    ] as const) {
      assert.ok(!Number.isNaN(Date.parse(status[field] ?? '')), `${field} is a timestamp`);
    }
  });

  it('picks up a new bundle published under a new ETag', async () => {
    server.served = { bytes: f.v1, etag: '"e1"' };
    const { poller, activations } = pollerFor(server);
    await poller.pollOnce();
    server.served = { bytes: f.v2, etag: '"e2"' };
    assert.equal(await poller.pollOnce(), 'activated');
    assert.deepEqual(
      activations.map((a) => [a.revision, a.etag]),
      [
        ['v1', '"e1"'],
        ['v2', '"e2"'],
      ],
    );
    assert.equal(await poller.pollOnce(), 'unchanged');
    assert.equal(server.requests.at(-1)?.ifNoneMatch, '"e2"');
  });

  // Each bad download arrives while v1 serves; none may reach onBundle, move the ETag or the revision.
  const rejected: {
    note: string;
    serve: () => Promise<Uint8Array> | Uint8Array;
    failure: PollFailure;
    message: RegExp;
    options?: () => Partial<BundlePollerOptions>;
  }[] = [
    {
      note: 'a tampered bundle (one policy.wasm byte changed after signing)',
      serve: () => repack(f.v2, (files) => files.set('/policy.wasm', flip(files.get('/policy.wasm') as Uint8Array))),
      failure: 'verification_digest_mismatch',
      message: /\/policy\.wasm does not match its signed SHA-256 digest/,
    },
    {
      note: 'an unsigned bundle',
      serve: () => f.unsignedV2,
      failure: 'verification_unsigned',
      message: /no \/\.signatures\.json/,
    },
    {
      note: 'a bundle signed by a stranger’s key under the trusted kid',
      serve: () => signBundle(f.unsignedV2, { key: f.stranger.privatePem, keyid: 'ci' }),
      failure: 'verification_bad_signature',
      message: /does not verify with key "ci"/,
    },
    {
      note: 'bytes that are not a bundle',
      serve: () => Buffer.from('<html>oops</html>'),
      failure: 'invalid_bundle',
      message: /not a readable tar\.gz/,
    },
    {
      note: 'a download over the size limit',
      serve: () => Buffer.alloc(f.v1.length + 1000),
      failure: 'too_large',
      message: /exceeds the \d+-byte download limit/,
      options: () => ({ maxBytes: f.v1.length + 100 }),
    },
    {
      note: 'a 404 for the resource',
      serve: () => f.v2,
      failure: 'http_error',
      message: /HTTP 404/,
      options: () => ({ resource: 'bundles/missing.tar.gz' }),
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.note}: not activated, v1 keeps serving`, async () => {
      server.served = { bytes: f.v1, etag: '"e1"' };
      const { poller, activations, errors } = pollerFor(server, c.options?.() ?? {});
      if (c.options?.().resource === undefined) assert.equal(await poller.pollOnce(), 'activated');
      const before = poller.status();

      server.served = { bytes: await c.serve(), etag: '"bad"' };
      assert.equal(await poller.pollOnce(), 'failed');
      assert.equal(errors[0]?.failure, c.failure);
      assert.match(errors[0]?.message ?? '', c.message);
      const status = poller.status();
      assert.equal(status.activeRevision, before.activeRevision);
      assert.equal(status.etag, before.etag);
      assert.equal(status.lastSuccessfulActivation, before.lastSuccessfulActivation);
      assert.equal(activations.length, before.activeRevision === undefined ? 0 : 1, 'onBundle is not called');
      assert.equal(status.failing, true);
      assert.equal(status.lastError?.failure, c.failure);
      // The next poll still asks relative to what serves, so the bad bundle is not hidden behind a 304.
      await poller.pollOnce();
      assert.equal(server.requests.at(-1)?.ifNoneMatch, before.etag);
    });
  }

  it('survives server errors and recovers on its own, backing off between tries', async () => {
    server.served = { bytes: f.v2, etag: '"e2"' };
    server.failNext = 3;
    const { poller, activations, errors } = pollerFor(server);
    poller.start();
    await waitFor('activation after the outage', () => activations.length === 1);
    await poller.stop();
    assert.deepEqual(
      errors.map((e) => e.failure),
      ['http_error', 'http_error', 'http_error'],
    );
    assert.match(errors[0]?.message ?? '', /bundle server answered HTTP 503/);
    const status = poller.status();
    assert.equal(status.failing, false);
    assert.equal(status.activeRevision, 'v2');
    assert.equal(status.lastError?.failure, 'http_error', 'the last error stays visible after recovery');
  });

  it('keeps polling at the configured interval and stops when told', async () => {
    server.served = { bytes: f.v1, etag: '"e1"' };
    const { poller } = pollerFor(server);
    const seen = server.requests.length;
    poller.start();
    await waitFor('three polls', () => server.requests.length >= seen + 3);
    await poller.stop();
    const stoppedAt = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(server.requests.length, stoppedAt, 'no request after stop()');
  });

  it('reports an unreachable server and keeps the revision', async () => {
    server.served = { bytes: f.v1, etag: '"e1"' };
    const { poller, errors } = pollerFor(server);
    await poller.pollOnce();
    const gone = await new BundleServer().start();
    await gone.close();
    const elsewhere = pollerFor(gone);
    assert.equal(await elsewhere.poller.pollOnce(), 'failed');
    assert.equal(elsewhere.errors[0]?.failure, 'network_error');
    assert.match(
      elsewhere.errors[0]?.message ?? '',
      /cannot fetch http:\/\/127\.0\.0\.1:\d+\/bundles\/regent\.tar\.gz/,
    );
    assert.equal(errors.length, 0);
    assert.equal(poller.status().activeRevision, 'v1');
  });

  it('treats a failed activation as a failed poll and fetches the bundle again next time', async () => {
    server.served = { bytes: f.v1, etag: '"e1"' };
    let refuse = true;
    const activated: string[] = [];
    const { poller, errors } = pollerFor(server, {
      onBundle: (_bytes, meta) => {
        if (refuse) throw new Error('engine out of memory');
        activated.push(meta.revision);
      },
    });
    assert.equal(await poller.pollOnce(), 'failed');
    assert.equal(errors[0]?.failure, 'activation_failed');
    assert.match(errors[0]?.message ?? '', /revision "v1" was not activated: engine out of memory/);
    assert.equal(poller.status().etag, undefined);
    refuse = false;
    assert.equal(await poller.pollOnce(), 'activated');
    assert.equal(server.requests.at(-1)?.ifNoneMatch, undefined);
    assert.deepEqual(activated, ['v1']);
  });

  it('does not activate the same bytes twice when the server sends no ETag', async () => {
    server.served = { bytes: f.v1, etag: '"unused"' };
    server.sendEtag = false;
    try {
      const { poller, activations } = pollerFor(server);
      assert.equal(await poller.pollOnce(), 'activated');
      assert.equal(await poller.pollOnce(), 'unchanged');
      assert.equal(activations.length, 1);
    } finally {
      server.sendEtag = true;
    }
  });
});

describe('BundlePoller configuration and timing', () => {
  const bad: { note: string; options: () => Partial<BundlePollerOptions>; message: RegExp }[] = [
    { note: 'a URL that does not parse', options: () => ({ url: 'not a url' }), message: /is not a valid URL/ },
    {
      note: 'min delay above max delay',
      options: () => ({ minDelaySeconds: 10, maxDelaySeconds: 5 }),
      message: /min_delay_seconds <= max_delay_seconds/,
    },
    {
      note: 'a verification key that is not a key',
      options: () => ({ verification: { keys: { ci: { algorithm: 'RS256', key: 'not a pem' } } } }),
      message: /keys\.ci\.key: not a PEM/,
    },
    {
      note: 'verification with no keys',
      options: () => ({ verification: { keys: {} } }),
      message: /no verification keys are configured/,
    },
  ];
  for (const c of bad) {
    it(`refuses ${c.note} at construction`, () => {
      assert.throws(
        () => pollerFor({ url: 'http://127.0.0.1:1' }, c.options()),
        (err: unknown) => {
          assert.ok(err instanceof BundleError);
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }

  const backoff: { note: string; retries: number; maxMs: number; random: number; want: number }[] = [
    { note: 'retries the first failure at once', retries: 0, maxMs: 120_000, random: 0.9, want: 0 },
    { note: 'waits 100 ms x 1.6 after the second', retries: 1, maxMs: 120_000, random: 0.5, want: 160 },
    { note: 'grows by 1.6 per failure', retries: 3, maxMs: 120_000, random: 0.5, want: 409.6 },
    { note: 'is capped at the max delay', retries: 50, maxMs: 2000, random: 0.5, want: 2000 },
    { note: 'jitters by up to +20%', retries: 50, maxMs: 2000, random: 1, want: 2400 },
    { note: 'jitters by up to -20%', retries: 50, maxMs: 2000, random: 0, want: 1600 },
  ];
  for (const c of backoff) {
    it(`backoff ${c.note} (OPA's DefaultBackoff)`, () => {
      assert.ok(Math.abs(backoffMs(c.retries, c.maxMs, () => c.random) - c.want) < 1e-6);
    });
  }
});

describe('BundlePoller with a bundle server that needs a bearer token', () => {
  let server: BundleServer;
  before(async () => {
    server = await new BundleServer().start();
    server.token = 's3cr3t-token';
    server.served = { bytes: f.v1, etag: '"e1"' };
  });
  after(() => server.close());

  it('sends the token as a bearer credential', async () => {
    const { poller } = pollerFor(server, { token: 's3cr3t-token' });
    assert.equal(await poller.pollOnce(), 'activated');
    assert.equal(server.requests.at(-1)?.authorization, 'Bearer s3cr3t-token');
  });

  it('reports a 401 for a wrong token without putting the token in status or errors', async () => {
    const { poller, errors } = pollerFor(server, { token: 'wrong-token' });
    assert.equal(await poller.pollOnce(), 'failed');
    assert.match(errors[0]?.message ?? '', /HTTP 401/);
    assert.doesNotMatch(JSON.stringify([errors, poller.status()]), /wrong-token/);
  });
});

describe('loadBundleFile reads a bundle from disk through the same verification', () => {
  const cases: {
    note: string;
    bytes: () => Promise<Uint8Array> | Uint8Array;
    verify: boolean;
    maxBytes?: number;
    error?: RegExp;
    reason?: string;
  }[] = [
    { note: 'accepts a signed bundle with verification configured', bytes: () => f.v1, verify: true },
    {
      note: 'accepts an unsigned bundle when verification is not configured',
      bytes: () => f.unsignedV2,
      verify: false,
    },
    {
      note: 'rejects an unsigned bundle when verification is configured',
      bytes: () => f.unsignedV2,
      verify: true,
      reason: 'unsigned',
      error: /no \/\.signatures\.json/,
    },
    {
      note: 'rejects a tampered bundle',
      bytes: () => repack(f.v1, (files) => files.set('/data.json', Buffer.from('{"x":{"threshold":0}}'))),
      verify: true,
      reason: 'digest_mismatch',
      error: /\/data\.json does not match/,
    },
    {
      note: 'rejects a file over the size limit before reading it',
      bytes: () => f.v1,
      verify: true,
      maxBytes: 10,
      error: /over the 10-byte limit/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.note, async () => {
      const file = path.join(f.dir, `disk-${i}.tar.gz`);
      await writeFile(file, await c.bytes());
      const load = loadBundleFile(
        file,
        c.verify ? verificationFor(f.key, 'ci') : undefined,
        c.maxBytes === undefined ? {} : { maxBytes: c.maxBytes },
      );
      if (c.error === undefined) {
        const loaded = await load;
        assert.equal(loaded.signature?.keyid, c.verify ? 'ci' : undefined);
        assert.ok(loaded.bundle.wasm.length > 0);
        return;
      }
      await assert.rejects(load, (err: unknown) => {
        assert.ok(err instanceof BundleError);
        assert.match(err.message, c.error as RegExp);
        if (c.reason !== undefined) {
          assert.ok(err instanceof BundleVerificationError);
          assert.equal(err.reason, c.reason);
        }
        return true;
      });
    });
  }

  it('rejects a path that does not exist with a BundleError', async () => {
    await assert.rejects(loadBundleFile(path.join(f.dir, 'nope.tar.gz')), /cannot read bundle file .*nope\.tar\.gz/);
  });
});

describe('the same server and regent-signed bundles with a real OPA', () => {
  it('opa run activates a regent-signed bundle from the test server and evaluates it', async () => {
    const dir = await tempDir();
    const server = await new BundleServer().start();
    // OPA's binary here has no wasm engine, so it gets the rego build of the same source, signed by regent.
    const regoBundle = await opaBuild(await writeSource(dir), path.join(dir, 'rego.tar.gz'), {
      target: 'rego',
      revision: 'r1',
    });
    server.served = { bytes: await signBundle(regoBundle, { key: f.key.privatePem, keyid: 'ci' }), etag: '"r1"' };
    const port = await freePort();
    const config = [
      'services:',
      `  test: {url: "${server.url}"}`,
      'bundles:',
      `  regent: {service: test, resource: "${RESOURCE}", signing: {keyid: ci}, polling: {min_delay_seconds: 1, max_delay_seconds: 1}}`,
      'keys:',
      `  ci: {algorithm: RS256, key: ${JSON.stringify(f.key.publicPem)}}`,
    ].join('\n');
    await writeFile(path.join(dir, 'opa.yaml'), config);
    const opa = spawn(
      opaBinary(),
      ['run', '--server', '--addr', `127.0.0.1:${port}`, '--config-file', path.join(dir, 'opa.yaml')],
      { stdio: 'ignore' },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health?bundles=true`, 10_000);
      const decision = (await (
        await fetch(`${base}/v1/data/x/allow`, { method: 'POST', body: JSON.stringify({ input: { n: 5 } }) })
      ).json()) as { result?: unknown };
      assert.equal(decision.result, true);
      // OPA's plugin speaks the same protocol: its next poll carries the ETag it got.
      await waitFor(
        'opa to poll again',
        () => server.requests.filter((r) => r.ifNoneMatch === '"r1"').length > 0,
        30_000,
      );
      assert.match(server.requests[0]?.userAgent ?? '', /^Open-Policy-Agent\//);
    } finally {
      const exited = once(opa, 'exit');
      opa.kill();
      await exited;
      await server.close();
    }
  });
});

function flip(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[100] = (copy[100] as number) ^ 0xff;
  return copy;
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
