/**
 * Signs a bundle for a bundle server to serve, in OPA's format: OPA, and regent with the public
 * key configured, accept it. The usual flow is `node scripts/build-bundle.ts` then this.
 * Usage: node scripts/sign-bundle.ts --bundle in.tar.gz --key key.pem [--alg RS256] [--keyid k]
 *        [--scope s] [--out signed.tar.gz]
 * --key is always a file (for HS* algorithms its exact bytes are the secret), so no secret is
 * passed on the command line where `ps` shows it. Without --out the input is replaced atomically.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isSigningAlgorithm, SIGNING_ALGORITHMS } from '../src/policy/bundle/jws.ts';
import { signBundle } from '../src/policy/bundle/sign-bundle.ts';

const USAGE =
  'usage: node scripts/sign-bundle.ts --bundle in.tar.gz --key key.pem [--alg RS256] [--keyid k] [--scope s] [--out signed.tar.gz]';

try {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string' },
      key: { type: 'string' },
      alg: { type: 'string', default: 'RS256' },
      keyid: { type: 'string' },
      scope: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.bundle === undefined || values.key === undefined) throw new Error(USAGE);
  if (!isSigningAlgorithm(values.alg)) throw new Error(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const signed = await signBundle(await readFile(values.bundle), {
    key: await readFile(values.key, 'utf8'),
    alg: values.alg,
    ...(values.keyid === undefined ? {} : { keyid: values.keyid }),
    ...(values.scope === undefined ? {} : { scope: values.scope }),
  });
  const out = values.out ?? values.bundle;
  // Write then rename, so a server reading `out` never sees half a bundle.
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, signed);
  await rename(tmp, out);
  console.log(
    `signed ${out} with ${values.alg}${values.keyid === undefined ? '' : ` key ${values.keyid}`}${values.scope === undefined ? '' : ` scope ${values.scope}`}`,
  );
} catch (err) {
  console.error(`bundle signing failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
