import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedactionLimitError, RedactionPathError, ScanIncompleteError } from '../../src/decision/redaction/errors.ts';
import { createRedactor, type PolicyRedaction } from '../../src/decision/redaction/redactor.ts';

describe('createRedactor', () => {
  const redactor = createRedactor();

  it('detects for the policy: types and paths, never values or offsets', () => {
    const detected = redactor.detect({ text: 'mail bob@acme.io, SSN 123-45-6789', n: 5 });
    assert.deepEqual(detected, [
      { type: 'email', path: '/payload/text' },
      { type: 'us_ssn', path: '/payload/text' },
    ]);
  });

  it('replaces whole values for a redaction without types', () => {
    const out = redactor.redact({ salary: 85000, text: 'earns 85000' }, [{ path: '/payload/salary', reason: 'pay' }]);
    assert.deepEqual(out, {
      payload: { salary: '[REDACTED]', text: 'earns [REDACTED]' },
      applied: ['/payload/salary'],
    });
  });

  it('masks only the named detector types for a redaction with types', () => {
    const payload = {
      messages: [{ text: 'mail bob@acme.io or call (415) 392-2671' }, { text: 'no pii' }],
      subject: 'for bob@acme.io',
    };
    const out = redactor.redact(payload, [{ path: '/payload/messages/*/text', reason: 'pii', types: ['email'] }]);
    assert.deepEqual(out.payload, {
      messages: [{ text: 'mail [REDACTED:email] or call (415) 392-2671' }, { text: 'no pii' }],
      // The masked address is removed data: it does not survive elsewhere either.
      subject: 'for [REDACTED]',
    });
    assert.deepEqual(out.applied, ['/payload/messages/0/text']);
  });

  it('combines typed and whole-value redactions', () => {
    const out = redactor.redact({ a: 'key AKIAIOSFODNN7EXAMPLE', b: 'x' }, [
      { path: '/payload/a', reason: 'r', types: ['aws_access_key'] },
      { path: '/payload/b', reason: 'r' },
    ]);
    assert.deepEqual(out.payload, { a: 'key [REDACTED:aws_access_key]', b: '[REDACTED]' });
    assert.deepEqual(out.applied, ['/payload/a', '/payload/b']);
  });

  it('rejects a type outside the closed list', () => {
    assert.throws(
      () => redactor.redact({ a: 'x' }, [{ path: '/payload/a', reason: 'r', types: ['names'] }]),
      RedactionPathError,
    );
  });

  it('fails closed when text under a typed redaction is longer than the scan limits', () => {
    const small = createRedactor({ detect: { maxStringLength: 10 } });
    assert.throws(
      () => small.redact({ a: 'x'.repeat(20) }, [{ path: '/payload/a', reason: 'r', types: ['email'] }]),
      ScanIncompleteError,
    );
  });

  it('applies the configured fan-out limit to both kinds of redaction', () => {
    const small = createRedactor({ maxMatches: 2 });
    const payload = { items: ['a@b.io', 'c@d.io', 'e@f.io'] };
    assert.throws(() => small.redact(payload, [{ path: '/payload/items/*', reason: 'r' }]), RedactionLimitError);
    assert.throws(
      () => small.redact(payload, [{ path: '/payload/items/*', reason: 'r', types: ['email'] }]),
      RedactionLimitError,
    );
  });

  it('never mutates the payload', () => {
    const payload = { a: 'bob@acme.io', b: ['bob@acme.io'] };
    const before = JSON.stringify(payload);
    redactor.redact(payload, [
      { path: '/payload/a', reason: 'r', types: ['email'] },
      { path: '/payload/b/0', reason: 'r' },
    ]);
    assert.equal(JSON.stringify(payload), before);
  });

  it('is idempotent', () => {
    const redactions = [
      { path: '/payload/messages/*/text', reason: 'pii', types: ['email', 'phone'] },
      { path: '/payload/salary', reason: 'pay' },
    ];
    const payload = { messages: [{ text: 'bob@acme.io, (415) 392-2671, 85000' }], salary: 85000 };
    const once = redactor.redact(payload, redactions).payload;
    assert.deepEqual(redactor.redact(once, redactions).payload, once);
  });

  describe('a member found through its key', () => {
    const KEY = 'AKIAQ4LMZ8X2B7NWRT5Y';
    const payload = { config: { region: 'eu', [KEY]: 'prod' }, note: `rotate ${KEY} soon` };
    const rows: { note: string; redactions: PolicyRedaction[]; want: unknown; applied: string[] }[] = [
      {
        note: 'a typed redaction naming the member replaces key and value',
        redactions: [{ path: `/payload/config/${KEY}`, reason: 'secret', types: ['aws_access_key'] }],
        want: { config: { region: 'eu', '[REDACTED:aws_access_key]': '[REDACTED]' }, note: 'rotate [REDACTED] soon' },
        applied: ['/payload/config/[REDACTED:aws_access_key]'],
      },
      {
        note: 'a typed redaction of every member (what the shipped policy asks) replaces just that member',
        redactions: [{ path: '/payload/config/*', reason: 'secret', types: ['aws_access_key'] }],
        want: { config: { region: 'eu', '[REDACTED:aws_access_key]': '[REDACTED]' }, note: 'rotate [REDACTED] soon' },
        applied: ['/payload/config/[REDACTED:aws_access_key]'],
      },
      {
        note: 'a typed redaction of the parent object reaches keys below it',
        redactions: [{ path: '/payload/config', reason: 'secret', types: ['aws_access_key'] }],
        want: { config: { region: 'eu', '[REDACTED:aws_access_key]': '[REDACTED]' }, note: 'rotate [REDACTED] soon' },
        applied: ['/payload/config/[REDACTED:aws_access_key]'],
      },
      {
        note: 'a whole-value redaction naming the member takes the key too',
        redactions: [{ path: `/payload/config/${KEY}`, reason: 'secret' }],
        want: { config: { region: 'eu', '[REDACTED:aws_access_key]': '[REDACTED]' }, note: 'rotate [REDACTED] soon' },
        applied: ['/payload/config/[REDACTED:aws_access_key]'],
      },
      {
        note: 'an empty types list fails safe, as a whole-value redaction',
        redactions: [{ path: `/payload/config/${KEY}`, reason: 'secret', types: [] }],
        want: { config: { region: 'eu', '[REDACTED:aws_access_key]': '[REDACTED]' }, note: 'rotate [REDACTED] soon' },
        applied: ['/payload/config/[REDACTED:aws_access_key]'],
      },
      {
        note: 'a typed redaction of other types leaves the key alone',
        redactions: [{ path: `/payload/config/${KEY}`, reason: 'pii', types: ['email'] }],
        want: payload,
        applied: [],
      },
    ];
    for (const row of rows) {
      it(row.note, () => {
        const out = redactor.redact(payload, row.redactions);
        assert.deepEqual(out.payload, row.want);
        assert.deepEqual(out.applied, row.applied);
      });
    }

    it('leaves nothing of the key or its value anywhere, and keeps the member order', () => {
      const body = { creds: { [`aws ${KEY}`]: 'wJalrXUtnFEMI/K7MDENG', after: 1 }, log: 'sent wJalrXUtnFEMI/K7MDENG' };
      const out = redactor.redact(body, [{ path: '/payload/creds/*', reason: 's', types: ['aws_access_key'] }]);
      assert.deepEqual(out.payload, {
        creds: { '[REDACTED:aws_access_key]': '[REDACTED]', after: 1 },
        log: 'sent [REDACTED]',
      });
      assert.ok(!JSON.stringify(out).includes(KEY));
    });

    it('numbers the new key when the marker key exists in the object', () => {
      const body = { o: { '[REDACTED:email]': 'x', 'bob@acme.io': 'y' } };
      const out = redactor.redact(body, [{ path: '/payload/o/*', reason: 'pii', types: ['email'] }]);
      assert.deepEqual(out.payload, { o: { '[REDACTED:email]': 'x', '[REDACTED:email]#2': '[REDACTED]' } });
    });

    it('fails closed when a key under a typed redaction is longer than the scan limits', () => {
      const small = createRedactor({ detect: { maxStringLength: 10 } });
      assert.throws(
        () => small.redact({ o: { ['x'.repeat(20)]: 1 } }, [{ path: '/payload/o/*', reason: 'r', types: ['email'] }]),
        ScanIncompleteError,
      );
    });

    it('is idempotent', () => {
      const redactions = [{ path: '/payload/config/*', reason: 's', types: ['aws_access_key'] }];
      const once = redactor.redact(payload, redactions).payload;
      assert.deepEqual(redactor.redact(once, redactions).payload, once);
    });
  });
});
