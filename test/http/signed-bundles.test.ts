/**
 * Signed bundles, end to end: regent configured with verification keys serves a signed bundle
 * from disk or from an OPA bundle server (polled with ETag / If-None-Match), and rejects
 * unsigned, tampered and wrong-key bundles while the previous revision keeps serving; the
 * failure shows in metrics and /v1/status.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packTarGz, signBundle } from '../../src/policy/bundle/sign-bundle.ts';
import { unpackTarGz } from '../../src/policy/bundle/read-bundle.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle, faultBundle } from '../support/bundles.ts';
import { startRegent } from '../support/regent-server.ts';

function rsaKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Changes one byte of data.json after signing, keeping the archive well-formed. */
async function tamper(signed: Uint8Array): Promise<Uint8Array> {
  const files = await unpackTarGz(signed);
  const data = JSON.parse(Buffer.from(files.get('/data.json')!).toString('utf8')) as Record<string, any>;
  data['regent']['config']['audiences']['all_employees']['clearance'] = 'restricted';
  files.set('/data.json', Buffer.from(JSON.stringify(data)));
  return packTarGz(files);
}

describe('signed bundles', () => {
  let dir: string;
  let trusted: ReturnType<typeof rsaKeys>;
  let stranger: ReturnType<typeof rsaKeys>;
  let verification: string;
  let signed: Uint8Array;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-signed-'));
    trusted = rsaKeys();
    stranger = rsaKeys();
    await writeFile(path.join(dir, 'trusted.pub.pem'), trusted.pub);
    verification = path.join(dir, 'keys.json');
    await writeFile(
      verification,
      JSON.stringify({ keys: { ops: { algorithm: 'RS256', key_file: 'trusted.pub.pem' } }, keyid: 'ops' }),
    );
    signed = await signBundle((await regoBundle()).bytes, { key: trusted.priv, alg: 'RS256', keyid: 'ops' });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const diskCases = [
    { note: 'a bundle signed with the trusted key', bytes: () => signed, ready: true },
    { note: 'an unsigned bundle', bytes: async () => (await regoBundle()).bytes, ready: false, reason: 'unsigned' },
    { note: 'a bundle tampered after signing', bytes: () => tamper(signed), ready: false, reason: 'digest_mismatch' },
    {
      note: 'a bundle signed with another key',
      bytes: async () => signBundle((await regoBundle()).bytes, { key: stranger.priv, alg: 'RS256', keyid: 'ops' }),
      ready: false,
      reason: 'bad_signature',
    },
  ];
  for (const c of diskCases) {
    it(`${c.ready ? 'serves' : 'refuses'} ${c.note} from disk`, async () => {
      const file = path.join(dir, `disk-${c.note.replaceAll(' ', '-')}.tar.gz`);
      await writeFile(file, await c.bytes());
      const server = await startRegent({ bundlePath: file, bundleVerificationFile: verification });
      try {
        assert.equal((await server.get('/health/ready')).status, c.ready ? 200 : 503);
        if (c.reason !== undefined) {
          assert.match(
            (await server.get('/metrics')).text,
            new RegExp(`regent_bundle_verification_failures_total\\{reason="${c.reason}"\\} 1`),
          );
        } else {
          assert.equal((await server.post('/v1/decisions', EXAMPLES.deny)).body.decision, 'deny');
        }
      } finally {
        await server.close();
      }
    });
  }

  it('holds uploaded shadow candidates to the same keys, and compiles a configured shadow directory unsigned', async () => {
    const file = path.join(dir, 'serving.tar.gz');
    await writeFile(file, signed);
    const server = await startRegent({
      bundlePath: file,
      bundleVerificationFile: verification,
      shadowPolicyDir: 'rego',
    });
    const upload = async (bytes: Uint8Array) => {
      const res = await fetch(`${server.url}/v1/shadow`, {
        method: 'PUT',
        body: bytes,
        headers: { 'content-type': 'application/gzip' },
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    try {
      // Compiled here from the operator's directory at start: no signature to check.
      const fromDirectory = (await server.get('/v1/shadow')).body.result;
      assert.equal(fromDirectory.enabled, true);
      assert.equal(fromDirectory.candidate.source, 'rego');
      const refused = [
        { bytes: (await regoBundle()).bytes, reason: 'unsigned' },
        {
          bytes: await signBundle((await faultBundle('undefined')).bytes, {
            key: stranger.priv,
            alg: 'RS256',
            keyid: 'ops',
          }),
          reason: 'bad_signature',
        },
        { bytes: await tamper(signed), reason: 'digest_mismatch' },
      ];
      for (const r of refused) {
        const res = await upload(r.bytes);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'bundle_error');
        const state = (await server.get('/v1/shadow')).body.result;
        assert.equal(state.candidate.source, 'rego', `${r.reason}: the previous candidate stays`);
        assert.match(
          (await server.get('/metrics')).text,
          new RegExp(`regent_bundle_verification_failures_total\\{reason="${r.reason}"\\} 1`),
        );
      }
      const next = await faultBundle('undefined');
      const taken = await upload(await signBundle(next.bytes, { key: trusted.priv, alg: 'RS256', keyid: 'ops' }));
      assert.equal(taken.status, 200, JSON.stringify(taken.body));
      assert.equal(taken.body.result.candidate.revision, next.revision);
      assert.equal(taken.body.result.candidate.source, 'upload');
    } finally {
      await server.close();
    }
  });

  it('polls a bundle server, rejects tampered, unsigned and wrong-key bundles while the previous revision serves, then takes a new signed one', async () => {
    let current: { bytes: Uint8Array; etag: string } = { bytes: signed, etag: '"v1"' };
    const seen: (string | undefined)[] = [];
    const served: string[] = [];
    const bundleServer: Server = createServer((req, res) => {
      seen.push(req.headers['if-none-match']);
      if (req.headers['if-none-match'] === current.etag) {
        res.writeHead(304).end();
        return;
      }
      served.push(current.etag);
      res.writeHead(200, { etag: current.etag, 'content-type': 'application/gzip' }).end(Buffer.from(current.bytes));
    });
    await new Promise<void>((r) => bundleServer.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(bundleServer.address() as AddressInfo).port}/bundles/regent.tar.gz`;
    const server = await startRegent({
      bundleUrl: url,
      bundleVerificationFile: verification,
      bundlePollMinSeconds: 1,
      bundlePollMaxSeconds: 1,
    });
    const revision = async () =>
      ((await server.post('/v1/decisions', EXAMPLES.allowInternal)).body as { policy: { revision: string } }).policy
        .revision;
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 300; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail('condition not reached in 30 s');
    };
    try {
      const first = (await regoBundle()).revision;
      assert.equal(await revision(), first);
      await waitFor(() => Promise.resolve(seen.includes('"v1"')));
      assert.ok(
        seen.filter((e) => e === '"v1"').length >= 1,
        'the poller sends If-None-Match and the server answers 304',
      );
      const rejections = async () =>
        (await server.get('/metrics')).text
          .split('\n')
          .filter((l) => l.startsWith('regent_bundle_verification_failures_total{'));
      for (const [etag, bytes, reason] of [
        ['"tampered"', await tamper(signed), 'digest_mismatch'],
        ['"unsigned"', (await regoBundle()).bytes, 'unsigned'],
        [
          '"stranger"',
          await signBundle((await faultBundle('wrong-shape')).bytes, {
            key: stranger.priv,
            alg: 'RS256',
            keyid: 'ops',
          }),
          'bad_signature',
        ],
      ] as const) {
        current = { bytes, etag };
        // Wait for this bundle's own rejection: the status's last failed attempt may still be the
        // previous bundle's for a moment after the server hands this one out.
        await waitFor(
          async () => served.includes(etag) && (await rejections()).some((l) => l.includes(`reason="${reason}"`)),
        );
        const status = (await server.get('/v1/status')).body.result.bundles.regent;
        assert.equal(status.last_load_attempt.ok, false, `${etag}: the last attempt failed`);
        assert.equal(await revision(), first, `${etag}: the previous revision keeps serving`);
      }
      const next = await faultBundle('undefined');
      current = {
        bytes: await signBundle(next.bytes, { key: trusted.priv, alg: 'RS256', keyid: 'ops' }),
        etag: '"v2"',
      };
      await waitFor(async () => (await revision()) === next.revision);
      const status = (await server.get('/v1/status')).body.result.bundles.regent;
      assert.equal(status.remote.etag, '"v2"');
    } finally {
      await server.close();
      await new Promise<void>((r) => bundleServer.close(() => r()));
    }
  });
});
