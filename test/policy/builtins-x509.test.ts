/**
 * crypto.x509.* (src/policy/builtins/x509*.ts, a port of Go's crypto/x509 parsing, verification
 * and JSON as OPA returns them): OPA's own cases through regent's engine, and certificates made
 * by openssl in the test (x509-fixtures.ts) compared with `opa eval` value for value, error
 * text for error text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBuiltins } from '../../src/policy/builtins/index.ts';
import { evaluateWithOpa, runHost, type BuiltinCase, type Outcome } from './builtins-oracle.ts';
import { loadCases, runConformance } from './conformance-runner.ts';
import { makeFixtures, pemToDer, type Fixtures } from './x509-fixtures.ts';

const { fixtures, cleanup } = makeFixtures();
after(cleanup);

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const f = (name: string): string => {
  const v = fixtures[name];
  if (v === undefined) throw new Error(`no fixture ${name}`);
  return v;
};
const chain = (...names: string[]): string => names.map(f).join('');
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const DAY_NS = 86_400n * 1_000_000_000n;

function parseCases(fx: Fixtures): BuiltinCase[] {
  const c = (note: string, arg: string): BuiltinCase => ({
    note,
    builtin: 'crypto.x509.parse_certificates',
    args: [arg],
  });
  const single = ['root', 'inter', 'leaf', 'rsa', 'rsaself', 'ed', 'sha1', 'code', 'crit', 'nc', 'ncleaf', 'p521'];
  const leafDer = pemToDer(fx['leaf'] ?? '');
  return [
    ...single.map((n) => c(`PEM ${n}`, f(n))),
    ...single.map((n) => c(`base64 DER ${n}`, b64(pemToDer(f(n))))),
    c('PEM chain', chain('leaf', 'inter', 'root')),
    c('base64 of a PEM chain', b64(chain('root', 'inter', 'leaf'))),
    c('base64 of concatenated DER', b64(Buffer.concat([pemToDer(f('leaf')), pemToDer(f('rsa'))]))),
    c('PEM with CRLF line ends', f('leaf').replace(/\n/g, '\r\n')),
    c('PEM with a header', f('rsa').replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n')),
    c('PEM then text', `${f('ed')}trailing words\n`),
    c('a private key block', f('leaf.key')),
    c('a certificate then a key', f('leaf') + f('leaf.key')),
    c('PEM without an END line', '-----BEGIN CERTIFICATE-----\nMIIB\n'),
    c('PEM with a bad body', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'),
    c('not base64', 'foobar'),
    c('base64 with bad padding', 'YWJj='),
    c('empty', ''),
    c('truncated DER', b64(leafDer.subarray(0, leafDer.length - 10))),
    c('DER with a trailing byte', b64(Buffer.concat([leafDer, Buffer.of(0)]))),
    c('DER that is not a certificate', b64(Buffer.of(0x30, 0x03, 0x02, 0x01, 0x01))),
    c('DER with a long-form short length', b64(Buffer.concat([Buffer.of(0x30, 0x81, 0x05), Buffer.alloc(5)]))),
  ];
}

function verifyCases(): BuiltinCase[] {
  const v = (note: string, arg: string): BuiltinCase => ({
    note,
    builtin: 'crypto.x509.parse_and_verify_certificates',
    args: [arg],
  });
  const o = (note: string, arg: string, options: Record<string, unknown>): BuiltinCase => ({
    note,
    builtin: 'crypto.x509.parse_and_verify_certificates_with_options',
    args: [arg, options],
  });
  const full = chain('root', 'inter', 'leaf');
  return [
    v('EC root, P-384 intermediate, EC leaf', full),
    v('RSA leaf', chain('root', 'inter', 'rsa')),
    v('Ed25519 leaf', chain('root', 'inter', 'ed')),
    v('P-521 leaf, SHA-512', chain('root', 'inter', 'p521')),
    v('SHA-1 signature is refused', chain('root', 'inter', 'sha1')),
    v('code-signing leaf fails the default server-auth usage', chain('root', 'inter', 'code')),
    v('unknown critical extension', chain('root', 'inter', 'crit')),
    v('missing intermediate', chain('root', 'leaf')),
    v('intermediate as the root', chain('inter', 'leaf')),
    v('wrong order', chain('leaf', 'inter', 'root')),
    v('one certificate', f('root')),
    v('RSA-PSS self-signed twice', chain('rsaself', 'rsaself')),
    v('base64 DER chain', b64(Buffer.concat(['root', 'inter', 'leaf'].map((n) => pemToDer(f(n)))))),
    v('not base64', 'foobar'),
    v('a key block', f('leaf.key')),
    o('DNS name matches', full, { DNSName: 'svc.example.com' }),
    o('wildcard DNS name', full, { DNSName: 'API.apps.example.com.' }),
    o('DNS name does not match', full, { DNSName: 'other.example.com' }),
    o('IP address matches', full, { DNSName: '192.0.2.7' }),
    o('IPv6 address matches', full, { DNSName: '[2001:db8:0::1]' }),
    o('IP address does not match', full, { DNSName: '192.0.2.8' }),
    o('client auth usage', full, { KeyUsages: ['KeyUsageClientAuth'] }),
    o('code signing usage missing', full, { KeyUsages: ['KeyUsageCodeSigning'] }),
    o('code signing usage present', chain('root', 'inter', 'code'), { KeyUsages: ['KeyUsageCodeSigning'] }),
    o('any usage', chain('root', 'inter', 'code'), { KeyUsages: ['KeyUsageAny'] }),
    o('one of two usages', full, { KeyUsages: ['KeyUsageCodeSigning', 'KeyUsageServerAuth'] }),
    o('valid tomorrow', full, { CurrentTime: NOW_NS + DAY_NS }),
    o('expired in 200 days', full, { CurrentTime: NOW_NS + 200n * DAY_NS }),
    o('not yet valid in 1970', full, { CurrentTime: 0 }),
    o('all options', full, {
      DNSName: 'svc.example.com',
      CurrentTime: NOW_NS,
      KeyUsages: ['KeyUsageServerAuth'],
      MaxConstraintComparisons: 10,
    }),
    o('unknown option', full, { Foo: 1 }),
    o('unknown key usage', full, { KeyUsages: ['KeyUsageNope', 'KeyUsageAlso'] }),
    o('DNSName not a string', full, { DNSName: 1 }),
    o('CurrentTime not a number', full, { CurrentTime: 'now' }),
    o('CurrentTime a fraction', full, { CurrentTime: 1.5 }),
    o('KeyUsages not a list', full, { KeyUsages: 'KeyUsageAny' }),
    o('bad options with unparsable certificates', 'foobar', { Foo: 1 }),
  ];
}

function keyCases(): BuiltinCase[] {
  const cases: BuiltinCase[] = [];
  const keys = ['rsa.pkcs1', 'rsa.key', 'leaf.key', 'leaf.sec1', 'ed.key', 'p521.key', 'inter.key'];
  for (const builtin of ['crypto.x509.parse_rsa_private_key', 'crypto.parse_private_keys']) {
    for (const k of keys) {
      cases.push({ note: `PEM ${k}`, builtin, args: [f(k)] });
      cases.push({ note: `base64 PEM ${k}`, builtin, args: [b64(f(k))] });
    }
    cases.push({ note: 'two keys', builtin, args: [f('leaf.sec1') + f('rsa.pkcs1')] });
    cases.push({ note: 'a certificate, no key', builtin, args: [f('leaf')] });
    cases.push({ note: 'empty', builtin, args: [''] });
    cases.push({ note: 'not base64', builtin, args: ['invalid'] });
    cases.push({
      note: 'PKCS #8 bytes labelled RSA',
      builtin,
      args: [f('rsa.key').replace(/PRIVATE KEY/g, 'RSA PRIVATE KEY')],
    });
    cases.push({
      note: 'SEC 1 bytes labelled PKCS #8',
      builtin,
      args: [f('leaf.sec1').replace(/EC PRIVATE KEY/g, 'PRIVATE KEY')],
    });
  }
  const csr = (note: string, arg: string): BuiltinCase => ({
    note,
    builtin: 'crypto.x509.parse_certificate_request',
    args: [arg],
  });
  for (const n of ['leaf.csr', 'rsa.csr', 'ed.csr', 'extra.csr']) {
    cases.push(csr(`PEM ${n}`, f(n)), csr(`base64 PEM ${n}`, b64(f(n))), csr(`base64 DER ${n}`, b64(pemToDer(f(n)))));
  }
  cases.push(
    csr('a certificate', f('leaf')),
    csr('base64 of a certificate', b64(f('leaf'))),
    csr('not base64', 'foobar'),
    csr('not DER', b64('badstring')),
    csr('DER with a trailing byte', b64(Buffer.concat([pemToDer(f('rsa.csr')), Buffer.of(0)]))),
    csr('truncated DER', b64(pemToDer(f('rsa.csr')).subarray(0, 100))),
  );
  const kp = (note: string, cert: string, key: string): BuiltinCase => ({
    note,
    builtin: 'crypto.x509.parse_keypair',
    args: [cert, key],
  });
  cases.push(
    kp('EC leaf, PKCS #8 key', f('leaf'), f('leaf.key')),
    kp('EC leaf, SEC 1 key', f('leaf'), f('leaf.sec1')),
    kp('RSA leaf, PKCS #1 key', f('rsa'), f('rsa.pkcs1')),
    kp('RSA leaf, PKCS #8 key', f('rsa'), f('rsa.key')),
    kp('Ed25519 leaf', f('ed'), f('ed.key')),
    kp('P-521 leaf', f('p521'), f('p521.key')),
    kp('chain and key', chain('leaf', 'inter'), f('leaf.key')),
    kp('base64 PEM', b64(f('rsa')), b64(f('rsa.key'))),
    kp('base64 DER', b64(pemToDer(f('leaf'))), b64(pemToDer(f('leaf.key')))),
    kp('key type mismatch', f('leaf'), f('rsa.key')),
    kp('other key of the same type', f('leaf'), f('code.key')),
    kp('inputs switched', f('leaf.key'), f('leaf')),
    kp('certificate as key', f('leaf'), f('leaf')),
    kp('no PEM in the certificate', '-----BEGIN nothing', f('leaf.key')),
    kp('not base64', 'foobar', f('leaf.key')),
  );
  return cases;
}

const CASES: BuiltinCase[] = [...parseCases(fixtures), ...verifyCases(), ...keyCases()];

describe("crypto.x509.* pass OPA's own cases through regent's engine", () => {
  it('certificates, chains, requests, key pairs and private keys', async () => {
    const cases = (await loadCases()).filter((c) =>
      /^(cryptox509parse(certificates|andverify|rsaprivatekey|certificaterequest)|cryptoX509ParseKeyPairs|cryptoparseprivatekey)/.test(
        c.name,
      ),
    );
    assert.ok(cases.length >= 24, `only ${cases.length} cases found`);
    const outcomes = await runConformance(cases);
    const failed = [...outcomes].filter(([, o]) => o.status !== 'pass').map(([name]) => name);
    assert.deepEqual(failed, []);
  });
});

describe('crypto.x509.* answer as opa eval does on certificates made by openssl', () => {
  let fromOpa: Outcome[] = [];
  before(async () => {
    fromOpa = await evaluateWithOpa(CASES);
  });
  const host = createBuiltins().functions;
  it('covers verified and unverified chains, values and errors', () => {
    const kinds = new Set(fromOpa.map((o) => (o.kind === 'value' ? o.json.slice(0, 6) : o.kind)));
    assert.ok(kinds.has('[true,') && kinds.has('[false') && kinds.has('error'), [...kinds].join(' '));
  });
  for (const [i, c] of CASES.entries()) {
    it(`${c.builtin.replace('crypto.x509.', '')}: ${c.note}`, () => {
      assert.deepEqual(runHost(host[c.builtin], c.args), fromOpa[i]);
    });
  }
});

describe('crypto.x509.parse_and_verify_certificates refuses what it cannot judge as Go would', () => {
  const host = createBuiltins().functions;
  it('a chain with name constraints is an error, never a verdict', () => {
    const outcome = runHost(host['crypto.x509.parse_and_verify_certificates'], [chain('root', 'nc', 'ncleaf')]);
    assert.equal(outcome.kind, 'error');
  });
  it('input past 1 MiB is an error', () => {
    const outcome = runHost(host['crypto.x509.parse_certificates'], ['A'.repeat((1 << 20) + 4)]);
    assert.equal(outcome.kind, 'error');
  });
});
