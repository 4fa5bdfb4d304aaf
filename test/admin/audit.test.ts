/**
 * `GET /v1/audit` over real HTTP: filters, cursor paging, strict parameters, policy
 * activations recorded as admin actions, and 503 `audit.unavailable` when the trail is off or
 * broken (in which case an admin change is refused rather than made unrecorded).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';

const agent = makeToken('agent', ['decide']);
const ops = makeToken('ops', ['admin']);

describe('GET /v1/audit', () => {
  let server: SecureServer;
  let revision: string;
  const start = new Date().toISOString();
  before(async () => {
    const bundle = await regoBundle();
    revision = bundle.revision;
    server = await startSecureRegent({ tokens: [agent, ops], config: { bundlePath: bundle.file } });
    for (const body of [
      EXAMPLES.allowInternal,
      EXAMPLES.deny,
      EXAMPLES.allowInternal,
      EXAMPLES.deny,
      { ...EXAMPLES.allowInternal, agent: { id: 'sales-assistant' } },
    ]) {
      assert.equal((await server.request('POST', '/v1/decisions', { token: agent.token, body })).status, 200);
    }
  });
  after(async () => server.close());

  const get = async (query: string) => {
    const res = await server.request('GET', `/v1/audit${query}`, { token: ops.token });
    assert.equal(res.status, 200, res.text);
    return res.body as {
      records: {
        seq: number;
        type: string;
        decision?: string;
        agent?: { id: string };
        action?: string;
        actor?: unknown;
        target?: unknown;
      }[];
      next_cursor: string | null;
    };
  };

  it('records the start-up policy activation as an admin action by regent itself', async () => {
    const page = await get('?type=admin');
    const activation = page.records.find((r) => r.action === 'bundle.activate');
    assert.ok(activation, JSON.stringify(page));
    assert.deepEqual(activation.actor, { id: 'regent', auth: null });
    assert.deepEqual(activation.target, { kind: 'bundle', id: revision });
  });

  it('pages through every record with the cursor, oldest first, without gaps or repeats', async () => {
    const all = await get('?limit=1000');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.ok(page.records.length <= 2);
      seen.push(...page.records.map((r) => r.seq));
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(
      seen,
      all.records.map((r) => r.seq),
    );
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.ok(seen.length >= 6);
  });

  const filters = [
    {
      note: 'decision=deny returns only denials',
      query: '?decision=deny',
      check: (r: { decision?: string }) => r.decision === 'deny',
      count: 2,
    },
    {
      note: 'agent= returns only that agent',
      query: '?agent=sales-assistant',
      check: (r: { agent?: { id: string } }) => r.agent?.id === 'sales-assistant',
      count: 1,
    },
    {
      note: 'type=decision leaves out admin records',
      query: '?type=decision',
      check: (r: { type: string }) => r.type === 'decision',
      count: 5,
    },
    {
      note: 'since= and until= bound the time',
      query: `?since=${encodeURIComponent(start)}&until=2999-01-01`,
      check: () => true,
      count: 6,
    },
    { note: 'until= in the past finds nothing', query: '?until=2000-01-01T00:00:00Z', check: () => false, count: 0 },
  ];
  for (const f of filters) {
    it(f.note, async () => {
      const page = await get(f.query);
      assert.equal(
        page.records.length,
        f.count,
        JSON.stringify(page.records.map((r) => [r.type, r.decision, r.agent?.id])),
      );
      assert.ok(page.records.every(f.check));
    });
  }

  const invalid = [
    { note: 'an unknown parameter (a typo must not silently widen the search)', query: '?desicion=deny' },
    { note: 'a repeated parameter', query: '?decision=deny&decision=allow' },
    { note: 'limit=0', query: '?limit=0' },
    { note: 'limit above the page bound', query: '?limit=1001' },
    { note: 'a limit that is not a number', query: '?limit=ten' },
    { note: 'a negative limit', query: '?limit=-1' },
    { note: 'a time that is not ISO 8601', query: '?since=yesterday' },
    { note: 'an impossible date', query: '?since=2026-13-45' },
    { note: 'a decision outside allow/deny/redact', query: '?decision=maybe' },
    { note: 'a record type outside decision/admin/checkpoint', query: '?type=secret' },
    { note: 'a cursor with characters base64url lacks', query: '?cursor=%2B%2F%3D' },
    { note: 'a cursor regent did not make', query: '?cursor=bm90LWEtY3Vyc29y' },
    { note: 'an agent id over 256 characters', query: `?agent=${'a'.repeat(257)}` },
    { note: 'an empty value', query: '?agent=' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.note} with 400 invalid_parameter`, async () => {
      const res = await server.request('GET', `/v1/audit${c.query}`, { token: ops.token });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'invalid_parameter');
    });
  }
});

describe('the admin API without a working audit trail', () => {
  describe('when the trail is disabled', () => {
    let server: SecureServer;
    before(async () => {
      server = await startSecureRegent({
        tokens: [ops],
        config: { bundlePath: (await regoBundle()).file, auditPath: '' },
      });
    });
    after(async () => server.close());

    for (const p of ['/v1/audit', '/v1/sessions/s1/steps']) {
      it(`answers GET ${p} with 503 audit.unavailable`, async () => {
        const res = await server.request('GET', p, { token: ops.token });
        assert.equal(res.status, 503);
        assert.equal(res.body.code, 'audit.unavailable');
      });
    }

    it('still lets an operator end a session, with the action in the log (the operator chose no trail)', async () => {
      await server.regent.flow().sessions.commit('s1', 0, { add_labels: ['pii'] });
      assert.equal((await server.request('DELETE', '/v1/sessions/s1', { token: ops.token })).status, 204);
      assert.match(server.logs(), /"message":"admin action"/);
      assert.match(server.logs(), /"action":"session.delete"/);
    });
  });

  describe('when the trail cannot be opened', () => {
    let server: SecureServer;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'regent-broken-trail-'));
      const file = path.join(dir, 'not-a-directory');
      await writeFile(file, '');
      server = await startSecureRegent({
        tokens: [ops],
        config: { bundlePath: (await regoBundle()).file, auditPath: path.join(file, 'trail.jsonl') },
      });
    });
    after(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('answers GET /v1/audit with 503 audit.unavailable', async () => {
      const res = await server.request('GET', '/v1/audit', { token: ops.token });
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'audit.unavailable');
    });

    it('refuses to end a session it could not record ending, and leaves the session as it was', async () => {
      await server.regent.flow().sessions.commit('s2', 0, { add_labels: ['pii'] });
      const res = await server.request('DELETE', '/v1/sessions/s2', { token: ops.token });
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'audit.unavailable');
      assert.deepEqual((await server.regent.flow().sessions.get('s2'))?.labels, ['pii']);
    });
  });
});
