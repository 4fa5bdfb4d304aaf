/**
 * Certificates, requests and keys for the crypto.x509.* tests, made fresh by the openssl CLI in
 * a temporary directory: a root, an intermediate and leaves of several key types, signature
 * algorithms, extensions and defects (SHA-1 signed, unknown critical extension, name
 * constraints, wrong extended key usage; expiry is tested through the
 * verification time option). Nothing here is a stored result.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** PEM texts by name. */
export type Fixtures = Readonly<Record<string, string>>;

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EXTENSIONS = `
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 2.5.29.32.0
[constrained]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign
nameConstraints = critical, permitted;DNS:example.com, excluded;IP:10.0.0.0/255.0.0.0
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:svc.example.com, DNS:*.apps.example.com, IP:192.0.2.7, IP:2001:db8::1, email:ops@example.com, URI:spiffe://example.com/ns/prod/sa/api, URI:https://user@example.com:8443/a%20b?q=1#frag
certificatePolicies = 1.3.6.1.4.1.99999.1, 2.23.140.1.2.1
crlDistributionPoints = URI:http://crl.example.com/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://example.com/ca.crt
[codesign]
basicConstraints = CA:FALSE
extendedKeyUsage = codeSigning, 1.2.3.4.5
subjectAltName = DNS:code.example.com
[critical]
basicConstraints = CA:FALSE
subjectAltName = DNS:svc.example.com
1.2.3.4.5.6 = critical, ASN1:UTF8String:unknown
[plain]
subjectAltName = DNS:plain.example.com
`;

/** Makes the fixtures; `cleanup` removes the directory. */
export function makeFixtures(): { fixtures: Fixtures; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'regent-x509-'));
  writeFileSync(path.join(dir, 'ext.cnf'), EXTENSIONS);
  const key = (name: string, ...alg: string[]): void => openssl(dir, ['genpkey', ...alg, '-out', `${name}.key`]);
  const ec = (name: string, curve = 'P-256'): void =>
    key(name, '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`);
  const selfSigned = (name: string, subj: string, ext: string, extra: string[] = []): void =>
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subj,
      '-days',
      '3650',
      '-out',
      `${name}.pem`,
      '-config',
      'ext.cnf',
      '-extensions',
      ext,
      '-utf8',
      ...extra,
    ]);
  const issue = (name: string, issuer: string, subj: string, ext: string, extra: string[] = []): void => {
    openssl(dir, [
      'req',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subj,
      '-utf8',
      '-out',
      `${name}.csr`,
      '-config',
      'ext.cnf',
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-out',
      `${name}.pem`,
      '-extfile',
      'ext.cnf',
      '-extensions',
      ext,
      ...extra,
    ]);
  };
  writeFileSync(path.join(dir, 'req.cnf'), '');
  ec('root');
  selfSigned('root', '/C=US/O=Regent Test/CN=Regent Test Root', 'ca');
  ec('inter', 'P-384');
  issue('inter', 'root', '/O=Regent Test/OU=Issuing/CN=Regent Test Intermediate', 'inter', [
    '-days',
    '1800',
    '-sha384',
  ]);
  ec('leaf');
  issue('leaf', 'inter', '/C=DE/ST=Berlin/L=Berlin/O=Regent Ütf8 GmbH/CN=svc.example.com/serialNumber=4711', 'leaf', [
    '-days',
    '90',
    '-set_serial',
    '0x7f1e2d3c4b5a69788796a5b4c3d2e1f0',
  ]);
  key('rsa', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048');
  issue('rsa', 'inter', '/CN=rsa.example.com', 'plain', ['-days', '30']);
  selfSigned('rsaself', '/CN=rsa self', 'ca', [
    '-key',
    'rsa.key',
    '-sigopt',
    'rsa_padding_mode:pss',
    '-sigopt',
    'rsa_pss_saltlen:digest',
    '-sha256',
  ]);
  key('ed', '-algorithm', 'ED25519');
  issue('ed', 'inter', '/CN=ed.example.com', 'plain', ['-days', '30']);
  ec('sha1');
  issue('sha1', 'inter', '/CN=sha1.example.com', 'leaf', ['-days', '30', '-sha1']);
  ec('code');
  issue('code', 'inter', '/CN=code.example.com', 'codesign', ['-days', '30']);
  ec('crit');
  issue('crit', 'inter', '/CN=crit.example.com', 'critical', ['-days', '30']);
  ec('nc');
  issue('nc', 'root', '/CN=Constrained CA', 'constrained', ['-days', '30']);
  ec('ncleaf');
  issue('ncleaf', 'nc', '/CN=svc.example.com', 'leaf', ['-days', '30']);
  ec('p521', 'P-521');
  issue('p521', 'inter', '/CN=p521.example.com', 'plain', ['-days', '30', '-sha512', '-set_serial', '1']);
  // A request with critical requested extensions, a challenge password and odd subject values.
  writeFileSync(
    path.join(dir, 'csr.cnf'),
    '[req]\ndistinguished_name = dn\nattributes = attrs\nreq_extensions = ext\nprompt = no\n[dn]\nCN = extra.example.com\nOU = 42\nemailAddress = a@example.com\n[attrs]\nchallengePassword = secret1\n[ext]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nsubjectAltName = DNS:extra.example.com, IP:10.1.2.3, email:x@example.com, URI:urn:example:extra\n',
  );
  openssl(dir, ['req', '-new', '-key', 'leaf.key', '-config', 'csr.cnf', '-out', 'extra.csr']);
  const read = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
  const fixtures: Record<string, string> = {};
  for (const name of [
    'root',
    'inter',
    'leaf',
    'rsa',
    'rsaself',
    'ed',
    'sha1',
    'code',
    'crit',
    'nc',
    'ncleaf',
    'p521',
  ]) {
    fixtures[name] = read(`${name}.pem`);
    if (name !== 'rsaself') fixtures[`${name}.key`] = read(`${name}.key`);
  }
  for (const name of ['leaf', 'rsa', 'ed', 'extra']) fixtures[`${name}.csr`] = read(`${name}.csr`);
  openssl(dir, ['pkey', '-in', 'rsa.key', '-traditional', '-out', 'rsa1.key']);
  fixtures['rsa.pkcs1'] = read('rsa1.key');
  openssl(dir, ['ec', '-in', 'leaf.key', '-out', 'leaf1.key']);
  fixtures['leaf.sec1'] = read('leaf1.key');
  return { fixtures, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The DER bytes of the first PEM block of a text. */
export function pemToDer(pem: string): Buffer {
  const body = /-----BEGIN [^-]+-----([\s\S]*?)-----END/.exec(pem)?.[1] ?? '';
  return Buffer.from(body.replace(/\s+/g, ''), 'base64');
}
