/**
 * `regent bundle sign`: signs a bundle in OPA's format (`.signatures.json`), so OPA, and regent
 * with the public key configured (REGENT_BUNDLE_VERIFICATION), accept it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isSigningAlgorithm, SIGNING_ALGORITHMS } from '../policy/bundle/jws.ts';
import { signBundle } from '../policy/bundle/sign-bundle.ts';
import { EXIT, parseFlags, runCommand, UsageError, type Command } from './command.ts';

const HELP = `usage: regent bundle sign --bundle <in.tar.gz> --key <key.pem> [--alg RS256] [--keyid <k>]
                         [--scope <s>] [--out <signed.tar.gz>]

Signs a bundle (usually one 'regent bundle build' wrote) for a bundle server to serve.

  --bundle <file>   the bundle to sign
  --key <file>      signing key, always a file (for HS* its exact bytes are the secret), so no
                    secret is on the command line where ps shows it
  --alg <alg>       ${SIGNING_ALGORITHMS.join(', ')} (default RS256)
  --keyid <k>       key id put in the signature (verifiers configured with a keyid require it)
  --scope <s>       scope put in the signature
  --out <file>      where to write; without it the input is replaced atomically

Exit: 0 signed, 1 signing failed, 2 usage error.
`;

/** `regent bundle sign`. */
export const bundleSign: Command = {
  path: ['bundle', 'sign'],
  help: HELP,
  run: (argv) =>
    runCommand(bundleSign, async () => {
      const { values } = parseFlags(argv, {
        bundle: { type: 'string' },
        key: { type: 'string' },
        alg: { type: 'string', default: 'RS256' },
        keyid: { type: 'string' },
        scope: { type: 'string' },
        out: { type: 'string' },
      });
      if (values.bundle === undefined || values.key === undefined)
        throw new UsageError('--bundle and --key are required');
      if (!isSigningAlgorithm(values.alg))
        throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
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
      const keyid = values.keyid === undefined ? '' : ` key ${values.keyid}`;
      const scope = values.scope === undefined ? '' : ` scope ${values.scope}`;
      process.stdout.write(`signed ${out} with ${values.alg}${keyid}${scope}\n`);
      return EXIT.ok;
    }),
};
