import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detect, scanPayload, toDetected, type DetectOptions } from '../../src/decision/redaction/detectors/detect.ts';
import { isIban } from '../../src/decision/redaction/detectors/iban.ts';
import { isJwtHeader } from '../../src/decision/redaction/detectors/jwt.ts';
import { isCardNumber, luhnValid } from '../../src/decision/redaction/detectors/payment-card.ts';
import { DETECTOR_TYPES, type DetectorType } from '../../src/decision/redaction/detectors/types.ts';
import { isValidSsn } from '../../src/decision/redaction/detectors/us-ssn.ts';

/** The texts one detector matches in `text`, run alone. */
function found(type: DetectorType, text: string, options: DetectOptions = {}): string[] {
  return detect({ text }, '/payload', { ...options, types: [type] }).map((f) => text.slice(f.start, f.end));
}

type Row = { note: string; text: string; want: string[] };

function table(type: DetectorType, rows: Row[]): void {
  for (const row of rows) {
    it(`${row.want.length > 0 ? 'finds' : 'ignores'} ${row.note}`, () => {
      assert.deepEqual(found(type, row.text), row.want);
    });
  }
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const JWT = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '42' })}.c2lnbmF0dXJlLWJ5dGVzLWhlcmU`;
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';

describe('email detector', () => {
  table('email', [
    { note: 'a plain address', text: 'write to alice@acme-corp.com today', want: ['alice@acme-corp.com'] },
    {
      note: 'tags, dots and subdomains',
      text: 'j.doe+hr@mail.dept.acme.co.uk',
      want: ['j.doe+hr@mail.dept.acme.co.uk'],
    },
    { note: 'an address in angle brackets', text: 'From: HR <hr@acme.io>', want: ['hr@acme.io'] },
    { note: 'a non-ASCII address', text: 'josé@correo.es', want: ['josé@correo.es'] },
    { note: 'two addresses', text: 'a@b.io, c@d.io', want: ['a@b.io', 'c@d.io'] },
    { note: 'an address followed by a full stop', text: 'mail bob@acme.io.', want: ['bob@acme.io'] },
    { note: 'asset names like logo@2x.png', text: 'logo@2x.png', want: [] },
    { note: 'package@version', text: 'lodash@4.17.21', want: [] },
    { note: 'a host without a TLD', text: 'root@localhost', want: [] },
    { note: 'a domain without @', text: 'example.com', want: [] },
    { note: 'mentions', text: '@alice @bob', want: [] },
    { note: 'a local part with consecutive dots', text: 'a..b@acme.io', want: [] },
  ]);
});

describe('phone detector', () => {
  table('phone', [
    { note: 'a US number with parentheses', text: 'call (415) 392-2671 now', want: ['(415) 392-2671'] },
    { note: 'a US number with dots', text: '415.392.2671', want: ['415.392.2671'] },
    { note: 'a US number with +1', text: '+1 415 392 2671', want: ['+1 415 392 2671'] },
    { note: 'a UK number in international form', text: 'Tel +44 20 7946 0321', want: ['+44 20 7946 0321'] },
    { note: 'a German number with the 00 prefix', text: 'Tel 0049 30 90182745', want: ['0049 30 90182745'] },
    { note: 'an E.164 number in a tel: URI', text: 'tel:+14153922671', want: ['+14153922671'] },
    { note: 'an extension as part of the number', text: '+1 415-392-2671 ext. 12', want: ['+1 415-392-2671 ext. 12'] },
    { note: 'a number in parentheses without its own', text: '(415-392-2671)', want: ['415-392-2671'] },
    { note: 'an ISO timestamp', text: '2026-11-23 10:30:00', want: [] },
    { note: 'an IPv4 address', text: '192.168.100.200', want: [] },
    { note: 'epoch seconds', text: 'ts=1700000000', want: [] },
    { note: 'a ZIP+4 code', text: '94105-1234', want: [] },
    { note: 'a number glued to letters', text: 'id4153922671x', want: [] },
    { note: 'more than 15 digits', text: '+1 415 392 2671 2345 6789', want: [] },
  ]);

  it('reads national formats of the regions it is configured for', () => {
    assert.deepEqual(found('phone', 'Ruf 030 90182745 an'), []);
    assert.deepEqual(found('phone', 'Ruf 030 90182745 an', { phoneRegions: ['US', 'DE'] }), ['030 90182745']);
  });

  it('past its validation budget, counts plausible candidates instead of validating them', () => {
    const text = Array.from({ length: 5 }, (_, i) => `(415) 392-267${i}`).join(', ') + ', 555 0000 0000';
    assert.equal(found('phone', text).length, 5);
    assert.equal(found('phone', text, { maxPhoneValidations: 2 }).length, 6);
  });
});

describe('US SSN detector', () => {
  table('us_ssn', [
    { note: 'dashes', text: 'SSN 123-45-6789', want: ['123-45-6789'] },
    { note: 'spaces', text: 'no. 123 45 6789', want: ['123 45 6789'] },
    { note: 'nine digits after "SSN"', text: 'ssn: 123456789', want: ['123456789'] },
    {
      note: 'nine digits after "social security number"',
      text: 'Social Security number 123456789',
      want: ['123456789'],
    },
    { note: 'nine digits in JSON after "ssn"', text: '{"ssn":"123456789"}', want: ['123456789'] },
    { note: 'nine digits with no context', text: 'parcel 123456789', want: [] },
    { note: 'area 000', text: '000-12-3456', want: [] },
    { note: 'area 666', text: '666-12-3456', want: [] },
    { note: 'area 9xx', text: '912-34-5678', want: [] },
    { note: 'group 00', text: '123-00-4567', want: [] },
    { note: 'serial 0000', text: '123-45-0000', want: [] },
    { note: 'mixed separators', text: '123-45 6789', want: [] },
    { note: 'a longer number', text: '123-45-67890', want: [] },
    { note: 'a decimal continuation', text: '123-45-6789.5', want: [] },
  ]);

  it('applies the SSA rules', () => {
    assert.equal(isValidSsn('899', '99', '9999'), true);
    assert.equal(isValidSsn('078', '05', '1120'), false, 'the voided Woolworth number');
  });
});

describe('payment card detector', () => {
  table('payment_card', [
    { note: 'a solid Visa number', text: 'card 4111111111111111 ok', want: ['4111111111111111'] },
    { note: 'a Visa number in groups', text: '4111 1111 1111 1111', want: ['4111 1111 1111 1111'] },
    { note: 'an Amex number 4-6-5', text: '3782-822463-10005', want: ['3782-822463-10005'] },
    { note: 'a Mastercard 2-series number', text: '2223000048400011', want: ['2223000048400011'] },
    { note: 'a number with dots', text: '5555.5555.5555.4444', want: ['5555.5555.5555.4444'] },
    { note: 'a card followed by another number', text: '4111 1111 1111 1111 2028', want: ['4111 1111 1111 1111'] },
    {
      note: 'two cards in one run',
      text: '4111 1111 1111 1111 5555 5555 5555 4444',
      want: ['4111 1111 1111 1111', '5555 5555 5555 4444'],
    },
    { note: 'a bad Luhn digit', text: '4111111111111112', want: [] },
    { note: 'Luhn-valid digits outside every issuer range', text: '9000000000000008', want: [] },
    { note: 'all zeros', text: '0000 0000 0000 0000', want: [] },
    { note: 'a number glued to letters', text: '4111111111111111abc', want: [] },
    { note: 'a number inside a longer one', text: '14111111111111111', want: [] },
  ]);

  it('checks Luhn, length and issuer ranges', () => {
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
    assert.equal(isCardNumber('378282246310005'), true);
    assert.equal(isCardNumber('37828224631000'), false, 'Amex is 15 digits');
  });
});

describe('IBAN detector', () => {
  table('iban', [
    { note: 'a German IBAN', text: 'IBAN DE89370400440532013000.', want: ['DE89370400440532013000'] },
    {
      note: 'a printed IBAN in groups of four',
      text: 'GB82 WEST 1234 5698 7654 32',
      want: ['GB82 WEST 1234 5698 7654 32'],
    },
    { note: 'a lower-case IBAN', text: 'de89370400440532013000', want: ['de89370400440532013000'] },
    {
      note: 'an IBAN followed by words',
      text: 'to DE89 3704 0044 0532 0130 00 by Monday',
      want: ['DE89 3704 0044 0532 0130 00'],
    },
    {
      note: 'an IBAN after a rejected candidate',
      text: 'ab12 DE89370400440532013000',
      want: ['DE89370400440532013000'],
    },
    { note: 'wrong check digits', text: 'DE88370400440532013000', want: [] },
    { note: 'the wrong length for the country', text: 'DE8937040044053201300', want: [] },
    { note: 'an unknown country', text: 'XX89370400440532013000', want: [] },
    { note: 'an IBAN glued to more characters', text: 'DE89370400440532013000X', want: [] },
  ]);

  it('validates with the registry lengths and mod-97', () => {
    assert.equal(isIban('NL91ABNA0417164300'), true);
    assert.equal(isIban('NL91ABNA0417164301'), false);
  });
});

describe('vendor token detectors', () => {
  const gh = 'ghp_' + 'aB3'.repeat(12);
  const pat = `github_pat_${'A1b'.repeat(7)}x_${'c2D'.repeat(19)}yz`;
  const slack = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
  const hook = 'https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF12/abcdefghijklmnopqrstuvwx';
  table('aws_access_key', [
    { note: 'an AKIA key id', text: 'key AKIAIOSFODNN7EXAMPLE here', want: ['AKIAIOSFODNN7EXAMPLE'] },
    { note: 'an ASIA (temporary) key id', text: 'ASIAY34FZKBOKMUTVV7A', want: ['ASIAY34FZKBOKMUTVV7A'] },
    { note: 'a key id inside a longer word', text: 'XAKIAIOSFODNN7EXAMPLE', want: [] },
    { note: 'a short AKIA string', text: 'AKIAIOSFODNN7', want: [] },
  ]);
  table('github_token', [
    { note: 'a classic ghp_ token', text: `token ${gh}`, want: [gh] },
    { note: 'a fine-grained token', text: pat, want: [pat] },
    { note: 'a short ghp_ string', text: 'ghp_abc', want: [] },
  ]);
  table('slack_token', [
    { note: 'a bot token', text: `SLACK=${slack}`, want: [slack] },
    { note: 'a webhook URL', text: `post to ${hook}`, want: [hook] },
    { note: 'xoxb- followed by words', text: 'xoxb-not-a-real-token', want: [] },
  ]);
  table('stripe_key', [
    { note: 'a live secret key', text: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', want: ['sk_live_4eC39HqLyjWDarjtT1zdp7dc'] },
    { note: 'a restricted key', text: 'rk_live_4eC39HqLyjWDarjtT1zdp7dc', want: ['rk_live_4eC39HqLyjWDarjtT1zdp7dc'] },
    { note: 'a publishable key', text: 'pk_live_4eC39HqLyjWDarjtT1zdp7dc', want: [] },
  ]);
  table('google_api_key', [
    {
      note: 'an AIza key',
      text: 'key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY&x=1',
      want: ['AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
    },
    { note: 'an AIza prefix with a short body', text: 'AIzaSyD-9tSrke72', want: [] },
  ]);

  it('finds each token as a whole text of the shortest length its pattern allows', () => {
    // The detectors pass over texts shorter than that at once: the shortest must still be found.
    const shortest: [DetectorType, string][] = [
      ['aws_access_key', 'AKIA' + 'A1'.repeat(8)],
      ['github_token', 'ghs_' + 'a1'.repeat(18)],
      ['slack_token', 'xoxb-1234567890'],
      ['stripe_key', 'sk_test_' + 'a1'.repeat(8)],
      ['google_api_key', 'AIza' + 'x'.repeat(35)],
    ];
    for (const [type, token] of shortest) {
      assert.deepEqual(found(type, token), [token], type);
      assert.deepEqual(found(type, token.slice(0, -1)), [], `${type} one shorter`);
    }
  });
});

describe('generic secret detectors', () => {
  table('bearer_token', [
    {
      note: 'an opaque token after Bearer',
      text: 'Authorization: Bearer 8f3kD93jfKs0d9fjK2lsQ0',
      want: ['8f3kD93jfKs0d9fjK2lsQ0'],
    },
    {
      note: 'a lower-case bearer',
      text: 'authorization: bearer 8f3kD93jfKs0d9fjK2lsQ0x',
      want: ['8f3kD93jfKs0d9fjK2lsQ0x'],
    },
    { note: 'prose about bearer tokens', text: 'Send a Bearer token please', want: [] },
    { note: 'a placeholder', text: 'Bearer YOUR_ACCESS_TOKEN_HERE', want: [] },
    { note: 'an angle-bracket placeholder', text: 'Bearer <token>', want: [] },
  ]);
  table('secret_assignment', [
    { note: 'api_key=', text: 'api_key=Zx9qW2e8Rt6yU4iO', want: ['Zx9qW2e8Rt6yU4iO'] },
    { note: 'a JSON client_secret', text: '{"client_secret": "Zx9qW2e8Rt6yU4iO"}', want: ['Zx9qW2e8Rt6yU4iO'] },
    { note: 'a header X-Auth-Token', text: 'X-Auth-Token: Zx9qW2e8Rt6yU4iOp1', want: ['Zx9qW2e8Rt6yU4iOp1'] },
    {
      note: 'aws_secret_access_key',
      text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYz3kQ9',
      want: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYz3kQ9'],
    },
    { note: 'a human-chosen password', text: 'password: "hunter2hunter2"', want: ['hunter2hunter2'] },
    { note: 'a placeholder value', text: 'api_key=YOUR_API_KEY', want: [] },
    { note: 'a masked password', text: 'password=********', want: [] },
    { note: 'a short password', text: 'pwd=abc', want: [] },
    { note: 'a low-entropy value', text: 'token=aaaaaaaaaaaaaaaaab', want: [] },
    { note: 'a name that only starts like a secret', text: 'password_reset_url: https://acme.io/reset', want: [] },
    { note: 'an URL value', text: 'token: https://acme.io/a1b2c3d4e5f6', want: [] },
    { note: 'max_tokens', text: 'max_tokens=4096', want: [] },
    { note: 'a value already masked', text: 'api_key=[REDACTED:secret_assignment]', want: [] },
  ]);
});

describe('PEM private key detector', () => {
  table('private_key', [
    { note: 'a PKCS#8 key', text: `key:\n${PEM}\nend`, want: [PEM] },
    {
      note: 'an RSA key',
      text: PEM.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY'),
      want: [PEM.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY')],
    },
    {
      note: 'an OpenSSH key',
      text: PEM.replaceAll('PRIVATE KEY', 'OPENSSH PRIVATE KEY'),
      want: [PEM.replaceAll('PRIVATE KEY', 'OPENSSH PRIVATE KEY')],
    },
    {
      note: 'a key cut off before END',
      text: PEM.slice(0, PEM.indexOf('\n-----END')) + '\n',
      want: [PEM.slice(0, PEM.indexOf('\n-----END'))],
    },
    { note: 'a public key', text: PEM.replaceAll('PRIVATE KEY', 'PUBLIC KEY'), want: [] },
    { note: 'an empty key block', text: '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----', want: [] },
    {
      note: 'mismatched labels',
      text: PEM.replace('END PRIVATE', 'END RSA PRIVATE'),
      want: [PEM.slice(0, PEM.indexOf('\n-----END'))],
    },
  ]);
});

describe('JWT detector', () => {
  table('jwt', [
    { note: 'a signed token', text: `id_token=${JWT}`, want: [JWT] },
    {
      note: 'an unsecured token with an empty signature',
      text: `${b64url({ alg: 'none' })}.${b64url({ sub: 1 })}.`,
      want: [`${b64url({ alg: 'none' })}.${b64url({ sub: 1 })}.`],
    },
    { note: 'a token ending a sentence', text: `token ${JWT}.`, want: [JWT] },
    {
      note: 'dotted base64 without alg in the header',
      text: `${b64url({ foo: 'bar' })}.${b64url({ x: 1 })}.c2ln`,
      want: [],
    },
    { note: 'a header alone', text: b64url({ alg: 'HS256' }), want: [] },
    { note: 'dotted identifiers', text: 'module.exports.default', want: [] },
  ]);

  it('decodes the header', () => {
    assert.equal(isJwtHeader(b64url({ alg: 'RS256' })), true);
    assert.equal(isJwtHeader(b64url({ alg: 1 })), false);
    assert.equal(isJwtHeader('eyJub3QganNvbg'), false);
  });
});

describe('detect', () => {
  it('walks every string of the payload with its JSON pointer', () => {
    const payload = { a: ['x', 'mail bob@acme.io'], 'k/~': { deep: 'SSN 123-45-6789' }, n: 4111111111111111 };
    assert.deepEqual(
      detect(payload).map((f) => [f.type, f.path, f.start, f.end]),
      [
        ['email', '/payload/a/1', 5, 16],
        ['us_ssn', '/payload/k~1~0/deep', 4, 15],
      ],
    );
  });

  it('reports offsets, never values, and the policy view drops offsets too', () => {
    const findings = detect({ t: 'a@b.io a@b.io' });
    for (const f of findings) assert.deepEqual(Object.keys(f).sort(), ['end', 'path', 'start', 'type']);
    for (const f of detect({ 'a@b.io': 1 }))
      assert.deepEqual(Object.keys(f).sort(), ['end', 'in', 'path', 'start', 'type']);
    assert.deepEqual(toDetected(findings), [{ type: 'email', path: '/payload/t' }]);
  });

  it('finds a text repeated across a list of records at every place it stands, keys too', () => {
    // A short text is scanned once per payload and its result reused: each place still counts.
    const records = Array.from({ length: 40 }, (_, i) => ({ contact: 'bob@acme.io', 'dana@acme.io': i, n: 'x' }));
    const findings = detect({ records });
    assert.equal(findings.filter((f) => f.in === undefined).length, 40);
    assert.equal(findings.filter((f) => f.in === 'key').length, 40);
    assert.deepEqual(
      findings.slice(0, 2).map((f) => [f.path, f.in ?? 'value']),
      [
        ['/payload/records/0/contact', 'value'],
        ['/payload/records/0/dana@acme.io', 'key'],
      ],
    );
    assert.equal(findings.at(-1)?.path, '/payload/records/39/dana@acme.io');
  });

  it('writes the pointer of a finding 20,000 levels deep without recursion', () => {
    let payload: unknown = 'SSN 123-45-6789';
    for (let d = 0; d < 20_000; d++) payload = d % 2 === 0 ? [payload] : { 'a/b': payload };
    const [finding] = detect(payload);
    assert.equal(finding?.type, 'us_ssn');
    assert.equal(finding?.path, '/payload' + '/a~1b/0'.repeat(10_000));
  });

  it('honours basePath', () => {
    assert.equal(detect({ t: 'a@b.io' }, '/input/payload')[0]?.path, '/input/payload/t');
    assert.equal(detect('a@b.io')[0]?.path, '/payload');
  });

  it('lets a higher-priority type win an overlap', () => {
    const text = `Authorization: Bearer ${JWT} and GITHUB_TOKEN=ghp_${'aB3'.repeat(12)}`;
    assert.deepEqual(
      detect({ text }).map((f) => f.type),
      ['jwt', 'github_token'],
    );
  });

  describe('object keys', () => {
    const rows: { note: string; payload: unknown; want: [string, string, string, number, number][] }[] = [
      {
        note: 'a secret as a key names the member, with in: key',
        payload: { config: { AKIAQ4LMZ8X2B7NWRT5Y: 'prod' } },
        want: [['aws_access_key', '/payload/config/AKIAQ4LMZ8X2B7NWRT5Y', 'key', 0, 20]],
      },
      {
        note: 'a match inside a longer key, with offsets in the key',
        payload: { 'contact bob@acme.io': true },
        want: [['email', '/payload/contact bob@acme.io', 'key', 8, 19]],
      },
      {
        note: 'a key before its own value, in document order',
        payload: { 'a@b.io': 'c@d.io', z: 'e@f.io' },
        want: [
          ['email', '/payload/a@b.io', 'key', 0, 6],
          ['email', '/payload/a@b.io', 'value', 0, 6],
          ['email', '/payload/z', 'value', 0, 6],
        ],
      },
      {
        note: 'keys inside arrays and escaped in the pointer',
        payload: { list: [{ 'a/b~bob@acme.io': 1 }] },
        want: [['email', '/payload/list/0/a~1b~0bob@acme.io', 'key', 4, 15]],
      },
      {
        note: 'a key whose value is an object: the findings below keep their own paths',
        payload: { 'bob@acme.io': { note: 'SSN 123-45-6789' } },
        want: [
          ['email', '/payload/bob@acme.io', 'key', 0, 11],
          ['us_ssn', '/payload/bob@acme.io/note', 'value', 4, 15],
        ],
      },
      { note: 'ordinary keys', payload: { text: 'hi', amount: 5, nested: { id: 'x' } }, want: [] },
    ];
    for (const row of rows) {
      it(`finds ${row.note}`, () => {
        assert.deepEqual(
          detect(row.payload).map((f) => [f.type, f.path, f.in ?? 'value', f.start, f.end]),
          row.want,
        );
      });
    }

    it('gives the policy {type, path, in: "key"} for a key, apart from a value finding at the same path', () => {
      assert.deepEqual(toDetected(detect({ 'a@b.io': 'a@b.io', k: { 'a@b.io': 1 } })), [
        { type: 'email', path: '/payload/a@b.io', in: 'key' },
        { type: 'email', path: '/payload/a@b.io' },
        { type: 'email', path: '/payload/k/a@b.io', in: 'key' },
      ]);
    });

    it('counts keys against the scan limits and says when a key was cut short', () => {
      const key = 'x'.repeat(100) + ' bob@acme.io';
      assert.deepEqual(scanPayload({ [key]: 1 }, '/payload', { maxStringLength: 50 }), {
        findings: [],
        truncated: true,
        scannedLength: 50,
      });
      // The budget runs out in the first key: the second key is not scanned.
      const cut = scanPayload({ 'a@b.io xxxxxxxx': 1, 'c@d.io': 2 }, '/payload', { maxTotalLength: 16 });
      assert.deepEqual(
        cut.findings.map((f) => f.path),
        ['/payload/a@b.io xxxxxxxx'],
      );
      assert.equal(cut.truncated, true);
      const many = scanPayload({ 'a@b.io': 1, 'c@d.io': 2, 'e@f.io': 3 }, '/payload', { maxFindings: 2 });
      assert.equal(many.findings.length, 2);
      assert.equal(many.truncated, true);
    });
  });

  it('has one closed list of types, used for metric labels', () => {
    assert.equal(new Set(DETECTOR_TYPES).size, DETECTOR_TYPES.length);
    for (const t of DETECTOR_TYPES) assert.match(t, /^[a-z_]+$/);
  });
});

describe('scan limits', () => {
  it('scans only the first maxStringLength code units of a string, and says so', () => {
    const text = 'x'.repeat(100) + ' bob@acme.io';
    assert.deepEqual(scanPayload({ text }, '/payload', { maxStringLength: 50 }), {
      findings: [],
      truncated: true,
      scannedLength: 4 + 50, // the key "text", then the first 50 code units of its value
    });
    assert.equal(scanPayload({ text }).truncated, false);
  });

  it('stops at maxTotalLength across strings', () => {
    const result = scanPayload({ a: 'a@b.io ' + 'x'.repeat(50), b: 'c@d.io' }, '/payload', { maxTotalLength: 40 });
    assert.deepEqual(
      result.findings.map((f) => f.path),
      ['/payload/a'],
    );
    assert.equal(result.truncated, true);
  });

  it('stops at maxFindings', () => {
    const result = scanPayload({ t: 'a@b.io c@d.io e@f.io' }, '/payload', { maxFindings: 2 });
    assert.equal(result.findings.length, 2);
    assert.equal(result.truncated, true);
  });

  it('walks deeply nested payloads without overflowing the stack', () => {
    let deep: unknown = 'bob@acme.io';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(detect(deep).length, 1);
  });
});
