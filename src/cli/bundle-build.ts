/**
 * `regent bundle build`: compiles a Rego directory into an OPA wasm bundle with the pinned
 * toolchain and the capabilities regent's runtime really has (`make bundles` runs it).
 */
import path from 'node:path';
import { buildCapabilities } from '../policy/capabilities.ts';
import { buildBundle, formatErrorDetail, PolicyCompileError } from '../policy/toolchain/build-bundle.ts';
import { opaBinary } from '../policy/toolchain/opa-cli.ts';
import { EXIT, parseFlags, runCommand, type Command } from './command.ts';

const HELP = `usage: regent bundle build [--src <dir>] [--out <bundle.tar.gz>] [--revision <r>]

Compiles a Rego directory (test files and markdown left out) into an OPA bundle with
policy.wasm, data.json and a manifest, using the pinned opa (OPA_BIN, else .tools/bin/opa) and
a capabilities file limited to the builtins regent runs. A call to any other builtin fails the
build, naming file, row and column.

  --src <dir>         Rego directory (default rego)
  --out <file>        bundle to write (default bundles/regent.tar.gz)
  --revision <r>      manifest revision (default: derived from the sources' content)

Exit: 0 built, 1 the policies do not compile, 2 usage error.
`;

/** `regent bundle build`. */
export const bundleBuild: Command = {
  path: ['bundle', 'build'],
  help: HELP,
  run: (argv) =>
    runCommand(bundleBuild, async () => {
      const { values } = parseFlags(argv, {
        src: { type: 'string', default: 'rego' },
        out: { type: 'string', default: 'bundles/regent.tar.gz' },
        revision: { type: 'string' },
      });
      const opaBin = opaBinary();
      const capabilities = await buildCapabilities(opaBin);
      try {
        // opa runs in the repository root, so paths given relative to here are made absolute.
        const { revision } = await buildBundle({
          sourceDir: path.resolve(values.src),
          outFile: path.resolve(values.out),
          capabilities,
          opaBin,
          ...(values.revision === undefined ? {} : { revision: values.revision }),
        });
        process.stdout.write(`built ${values.out} from ${values.src}/ (revision ${revision})\n`);
        return EXIT.ok;
      } catch (err) {
        if (!(err instanceof PolicyCompileError)) throw err;
        for (const e of err.errors) process.stderr.write(`${formatErrorDetail(e)}\n`);
        process.stderr.write(`bundle build failed: ${err.errors.length} error(s)\n`);
        return EXIT.failed;
      }
    }),
};
