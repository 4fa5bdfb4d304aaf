/**
 * No decision is answered unrecorded: when the audit trail cannot be written, decisions are
 * denied with audit.unavailable, and they resume by themselves once it can. Uses a real
 * PostgreSQL trail that is stopped mid-run, and a file trail that can never be opened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startPostgres } from '../support/postgres-server.ts';
import { startRegent } from '../support/regent-server.ts';

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);

describe('audit trail unavailable', () => {
  it('denies with audit.unavailable while PostgreSQL is down, and resumes when it returns', async () => {
    const pg = await startPostgres();
    const server = await startRegent({
      bundlePath: (await regoBundle()).file,
      auditPath: '',
      auditDatabaseUrl: pg.url,
    });
    try {
      assert.equal((await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision, 'allow');
      await pg.stop();
      const denied = await server.post('/v1/decisions', EXAMPLES.allowInternal);
      assert.equal(denied.body.decision, 'deny');
      assert.deepEqual(codes(denied.body), ['audit.unavailable']);
      assert.match((await server.get('/metrics')).text, /regent_fail_closed_total\{code="audit\.unavailable"\} [1-9]/);
      await pg.start();
      let resumed = false;
      for (let i = 0; i < 50 && !resumed; i++) {
        resumed = (await server.post('/v1/decisions', EXAMPLES.allowInternal)).body.decision === 'allow';
        if (!resumed) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(resumed, 'decisions resume once the database is back');
    } finally {
      await server.close();
      await pg.destroy();
    }
  });

  it('an outage does not lock a session out: its denials are faults, not a denial streak', async () => {
    const pg = await startPostgres();
    const server = await startRegent({
      bundlePath: (await regoBundle()).file,
      auditPath: '',
      auditDatabaseUrl: pg.url,
    });
    const inSession = { ...EXAMPLES.allowInternal, session: { id: 'outage-session' } };
    try {
      assert.equal((await server.post('/v1/decisions', inSession)).body.decision, 'allow');
      await pg.stop();
      for (let i = 0; i < 6; i++) {
        assert.deepEqual(codes((await server.post('/v1/decisions', inSession)).body), ['audit.unavailable']);
      }
      await pg.start();
      let answer: { decision: string; reasons: { code: string }[] } = { decision: 'deny', reasons: [] };
      for (let i = 0; i < 50; i++) {
        answer = (await server.post('/v1/decisions', inSession)).body;
        if (!codes(answer).includes('audit.unavailable')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(answer.decision, 'allow', JSON.stringify(answer));
    } finally {
      await server.close();
      await pg.destroy();
    }
  });

  it('denies every decision with audit.unavailable when the trail file cannot be opened', async () => {
    const server = await startRegent({
      bundlePath: (await regoBundle()).file,
      auditPath: '/dev/null/regent/trail.jsonl',
    });
    try {
      for (const body of [EXAMPLES.allowInternal, EXAMPLES.redact]) {
        const res = await server.post('/v1/decisions', body);
        assert.equal(res.body.decision, 'deny');
        assert.deepEqual(codes(res.body), ['audit.unavailable']);
        assert.equal(res.body.payload, undefined);
      }
    } finally {
      await server.close();
    }
  });
});
