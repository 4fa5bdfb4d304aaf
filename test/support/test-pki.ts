/**
 * A throwaway PKI for TLS tests, made with the openssl CLI in a temporary directory: a client CA,
 * a second CA nobody trusts, a server certificate for 127.0.0.1, and client certificates by CN.
 * No private key is ever committed; the directory is removed by `dispose`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and its key, as files and as PEM text. */
export interface CertFiles {
  cert: string;
  key: string;
  certPem: Buffer;
  keyPem: Buffer;
}

/** The PKI of one test file. */
export interface TestPki {
  dir: string;
  /** CA that signs trusted client certificates (and the server certificate). */
  ca: CertFiles;
  /** A CA regent does not trust. */
  otherCa: CertFiles;
  server: CertFiles;
  /** Issues a client certificate with subject CN `cn`, signed by `ca` (default: the trusted CA). */
  client(cn: string, ca?: CertFiles): CertFiles;
  dispose(): void;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

function files(dir: string, name: string): CertFiles {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert), keyPem: readFileSync(key) };
}

function makeCa(dir: string, name: string): CertFiles {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
    ],
    dir,
  );
  return files(dir, name);
}

function issue(dir: string, name: string, cn: string, ca: CertFiles, extensions: string): CertFiles {
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      ext,
    ],
    dir,
  );
  return files(dir, name);
}

/** Creates the PKI; call `dispose()` when done. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'regent-pki-'));
  const ca = makeCa(dir, 'clients-ca');
  const otherCa = makeCa(dir, 'other-ca');
  const server = issue(dir, 'server', '127.0.0.1', ca, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  let n = 0;
  return {
    dir,
    ca,
    otherCa,
    server,
    client: (cn, signer = ca) => issue(dir, `client-${n++}`, cn, signer, 'extendedKeyUsage=clientAuth\n'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
