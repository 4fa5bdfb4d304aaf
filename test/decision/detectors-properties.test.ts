import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { detect } from '../../src/decision/redaction/detectors/detect.ts';
import { findingMarker, maskFindings } from '../../src/decision/redaction/detectors/mask.ts';
import { FindingMismatchError } from '../../src/decision/redaction/errors.ts';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

// Fragments that are, or nearly are, things the detectors look for; glued with separators that
// matter to them, so generated texts hit boundaries, overlaps and near misses.
const fragment = fc.oneof(
  fc.constantFrom(
    'alice@acme-corp.com',
    'bob.smith+x@mail.example.org',
    '(415) 392-2671',
    '+44 20 7946 0321',
    '0049 30 90182745',
    '123-45-6789',
    'ssn 123456789',
    '4111 1111 1111 1111',
    '378282246310005',
    'DE89 3704 0044 0532 0130 00',
    'GB82WEST12345698765432',
    'AKIAIOSFODNN7EXAMPLE',
    'ghp_' + 'aB3'.repeat(12),
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
    'Bearer 8f3kD93jfKs0d9fjK2lsQ0',
    'api_key=Zx9qW2e8Rt6yU4iO',
    'password: hunter2hunter2',
    `${b64url({ alg: 'HS256' })}.${b64url({ sub: 1 })}.c2lnbmF0dXJl`,
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----',
    '-----BEGIN RSA PRIVATE KEY-----\n',
    '[REDACTED:email]',
    'token=',
    'Bearer ',
    '@',
    '-----',
  ),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '4', '1', '9', '@', '.', '-', ' ', '=', ':', '+', '(', ')', '_', '\n'),
    maxLength: 16,
  }),
);
const text = fc
  .array(fc.tuple(fragment, fc.constantFrom('', ' ', '\n', '.', '-', ',', '=', ':', '@', '_', '"')), { maxLength: 6 })
  .map((parts) => parts.map(([f, s]) => f + s).join(''));
const payload = fc.record({
  a: text,
  b: fc.array(text, { maxLength: 3 }),
  c: fc.dictionary(fc.constantFrom('x', '__proto__', 'y/z'), text, { maxKeys: 2, noNullPrototype: true }),
  // Keys are scanned too: generated keys hold findings, markers and near misses, over values
  // that may hold findings of their own or a further object.
  d: fc.dictionary(text, fc.oneof(text, fc.dictionary(text, text, { maxKeys: 2, noNullPrototype: true })), {
    maxKeys: 3,
    noNullPrototype: true,
  }),
});

const maskAll = (p: unknown) => maskFindings(p, detect(p));

describe('detectors and masking (properties)', () => {
  it('masking is idempotent: masking a masked payload changes nothing', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const once = maskAll(p);
        assert.equal(JSON.stringify(maskAll(once)), JSON.stringify(once));
      }),
      { numRuns: 300 },
    );
  });

  it('finds nothing left to mask after masking', () => {
    fc.assert(
      fc.property(payload, (p) => {
        assert.deepEqual(detect(maskAll(p)), []);
      }),
      { numRuns: 300 },
    );
  });

  it('never mutates the payload it scans or masks', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const before = JSON.stringify(p);
        maskAll(p);
        assert.equal(JSON.stringify(p), before);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the shape: an object keeps as many members, a key finding renames its member', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const once = maskAll(p) as typeof p;
        assert.equal(Object.keys(once.d).length, Object.keys(p.d).length);
        // Generated values never are exactly "[REDACTED]": such members are the renamed ones.
        const keyed = new Set(
          detect(p).flatMap((f) => (f.in === 'key' && f.path.split('/').length === 4 ? [f.path] : [])),
        );
        const renamed = Object.entries(once.d).filter(([k, v]) => k.startsWith('[REDACTED:') && v === '[REDACTED]');
        assert.equal(renamed.length, keyed.size, JSON.stringify(once.d));
      }),
      { numRuns: 300 },
    );
  });

  it('reports sorted, non-overlapping, in-bounds spans per string', () => {
    fc.assert(
      fc.property(text, (t) => {
        let end = 0;
        for (const f of detect(t)) {
          assert.ok(f.start >= end && f.start < f.end && f.end <= t.length, JSON.stringify(f));
          end = f.end;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('maskFindings', () => {
  it('replaces each finding with its typed marker, in a copy', () => {
    const payload = { msg: ['mail bob@acme.io or call (415) 392-2671'] };
    const out = maskFindings(payload, detect(payload));
    assert.deepEqual(out, { msg: [`mail ${findingMarker('email')} or call ${findingMarker('phone')}`] });
    assert.equal(payload.msg[0], 'mail bob@acme.io or call (415) 392-2671');
  });

  it('masks a payload that is itself a string', () => {
    assert.equal(maskFindings('bob@acme.io', detect('bob@acme.io')), '[REDACTED:email]');
  });

  it('collapses overlapping findings into the first marker', () => {
    const out = maskFindings({ t: 'abcdefgh' }, [
      { type: 'email', path: '/payload/t', start: 1, end: 4 },
      { type: 'phone', path: '/payload/t', start: 3, end: 6 },
    ]);
    assert.deepEqual(out, { t: 'a[REDACTED:email]gh' });
  });

  it('replaces a member found through its key by "[REDACTED:<type>]": "[REDACTED]", in place', () => {
    const payload = { config: { region: 'eu', AKIAQ4LMZ8X2B7NWRT5Y: 'prod', tail: 1 } };
    const renamed: [string, string][] = [];
    const out = maskFindings(payload, detect(payload), '/payload', (from, to) => renamed.push([from, to]));
    assert.deepEqual(Object.entries((out as typeof payload).config), [
      ['region', 'eu'],
      ['[REDACTED:aws_access_key]', '[REDACTED]'],
      ['tail', 1],
    ]);
    assert.deepEqual(renamed, [['/payload/config/AKIAQ4LMZ8X2B7NWRT5Y', '/payload/config/[REDACTED:aws_access_key]']]);
    assert.ok('AKIAQ4LMZ8X2B7NWRT5Y' in payload.config, 'the input is untouched');
  });

  it('numbers a renamed member when its marker key exists already', () => {
    const payload = { '[REDACTED:email]': 'x', 'a@b.io': 1, 'c@d.io': 2, '[REDACTED:email]#2': 'y' };
    assert.deepEqual(Object.keys(maskAll(payload) as object), [
      '[REDACTED:email]',
      '[REDACTED:email]#3',
      '[REDACTED:email]#4',
      '[REDACTED:email]#2',
    ]);
  });

  it('takes everything below a member removed for its key, findings included', () => {
    const payload = { 'bob@acme.io': { 'c@d.io': 'SSN 123-45-6789' }, t: 'call (415) 392-2671' };
    assert.deepEqual(maskAll(payload), { '[REDACTED:email]': '[REDACTED]', t: `call ${findingMarker('phone')}` });
  });

  it('names the member by its first finding when a key holds several', () => {
    assert.deepEqual(maskAll({ 'x a@b.io 123-45-6789': 1 }), { '[REDACTED:email]': '[REDACTED]' });
  });

  it('renames a __proto__ member as data, never touching the prototype', () => {
    const payload = JSON.parse('{"o":{"__proto__":{"a@b.io":1}}}') as unknown;
    const out = maskAll(payload) as { o: object };
    assert.deepEqual(JSON.stringify(out), '{"o":{"__proto__":{"[REDACTED:email]":"[REDACTED]"}}}');
    assert.equal(Object.getPrototypeOf(out.o), Object.prototype);
  });

  const bad: { note: string; finding: unknown }[] = [
    {
      note: 'a key finding past the end of its key',
      finding: { type: 'email', path: '/payload/t', start: 0, end: 9, in: 'key' },
    },
    { note: 'a key finding at the root', finding: { type: 'email', path: '/payload', start: 0, end: 1, in: 'key' } },
    {
      note: 'a key finding in an array',
      finding: { type: 'email', path: '/payload/a/0', start: 0, end: 1, in: 'key' },
    },
    { note: 'an unknown "in"', finding: { type: 'email', path: '/payload/t', start: 0, end: 1, in: 'value' } },
    { note: 'a path to nothing', finding: { type: 'email', path: '/payload/missing', start: 0, end: 1 } },
    { note: 'a path to a non-string', finding: { type: 'email', path: '/payload/n', start: 0, end: 1 } },
    { note: 'offsets past the end', finding: { type: 'email', path: '/payload/t', start: 0, end: 99 } },
    { note: 'an empty span', finding: { type: 'email', path: '/payload/t', start: 2, end: 2 } },
    { note: 'a type outside the closed list', finding: { type: 'name', path: '/payload/t', start: 0, end: 1 } },
    { note: 'a path outside the payload', finding: { type: 'email', path: '/agent/id', start: 0, end: 1 } },
    {
      note: 'a path into the prototype',
      finding: { type: 'email', path: '/payload/constructor/name', start: 0, end: 1 },
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.note} with a typed error`, () => {
      assert.throws(
        () => maskFindings({ t: 'text', n: 5, a: ['x'] }, [c.finding as never]),
        (err: unknown) => err instanceof FindingMismatchError || (err instanceof Error && 'code' in err),
      );
    });
  }
});

describe('detectors under adversarial input (linear time)', () => {
  const n = 200_000;
  const inputs: Record<string, string> = {
    'one long word': 'a'.repeat(n),
    'one long number': '1'.repeat(n),
    'digits and spaces': '1 '.repeat(n / 2),
    'digits and dashes': '1-'.repeat(n / 2),
    'card-like groups': '4111 '.repeat(n / 5),
    'at signs': 'a@'.repeat(n / 2),
    'address-like runs': 'a@a.'.repeat(n / 4),
    'a long local part': 'a.'.repeat(n / 2) + '@x.io',
    'labels without a TLD': 'a@' + 'b.'.repeat(n / 2),
    'JWT starts': 'eyJ'.repeat(n / 3),
    'JWT-like dotted parts': 'eyJAAAAAAAAA.'.repeat(n / 13),
    'PEM headers without END': '-----BEGIN PRIVATE KEY-----'.repeat(n / 27),
    'a PEM header then dashes': '-----BEGIN PRIVATE KEY-----' + '-'.repeat(n),
    'PEM headers and one far END': '-----BEGIN PRIVATE KEY-----\n'.repeat(n / 28) + '-----END PRIVATE KEY-----',
    'PEM headers with bodies':
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n'.repeat(n / 84),
    'bearer words': 'Bearer '.repeat(n / 7),
    'a long bearer token': 'Bearer ' + 'A1'.repeat(n / 2),
    'secret names': 'token='.repeat(n / 6),
    'a long secret value': 'api_key=' + 'a1B'.repeat(n / 3),
    'Slack prefixes': 'xoxb-'.repeat(n / 5),
    'IBAN-like groups': 'DE89 '.repeat(n / 5),
    'plus signs': '+1 '.repeat(n / 3),
    parentheses: '(1'.repeat(n / 2),
    'SSN fragments': '123-45-'.repeat(n / 7),
    'SSN keywords': 'ssn 12345678 '.repeat(n / 13),
    'many real phone numbers': '(415) 392-2671 x '.repeat(n / 17),
    'everything at once': 'x4111-1111 (415) 392-2671 a@b.co DE89 eyJ token= Bearer AKIA '.repeat(n / 62),
  };
  const options = { maxStringLength: n + 100, maxTotalLength: n + 100 };
  for (const [name, input] of Object.entries(inputs)) {
    it(`scans ${name} (${Math.round(input.length / 1000)}k chars) in seconds, not minutes`, () => {
      const started = performance.now();
      detect(input, '/payload', options);
      const ms = performance.now() - started;
      // A linear scan takes tens of milliseconds here; a quadratic one takes minutes. Generous, so
      // a loaded machine cannot break it.
      assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
    });
  }
});
