/**
 * `make bundles`: compiles a Rego folder into an OPA wasm bundle with the pinned toolchain.
 * Usage: node scripts/build-bundle.ts --src rego --out bundles/regent.tar.gz [--revision R]
 * Compile errors (including calls to builtins the runtime lacks) print as file:row:col and exit 1.
 */
import { parseArgs } from 'node:util';
import { buildCapabilities } from '../src/policy/capabilities.ts';
import { buildBundle, formatErrorDetail, PolicyCompileError } from '../src/policy/toolchain/build-bundle.ts';
import { opaBinary } from '../src/policy/toolchain/opa-cli.ts';

const { values } = parseArgs({
  options: {
    src: { type: 'string', default: 'rego' },
    out: { type: 'string', default: 'bundles/regent.tar.gz' },
    revision: { type: 'string' },
  },
});

try {
  const opaBin = opaBinary();
  const capabilities = await buildCapabilities(opaBin);
  const { revision } = await buildBundle({
    sourceDir: values.src,
    outFile: values.out,
    capabilities,
    opaBin,
    ...(values.revision === undefined ? {} : { revision: values.revision }),
  });
  console.log(`built ${values.out} from ${values.src}/ (revision ${revision})`);
} catch (err) {
  if (err instanceof PolicyCompileError) {
    for (const e of err.errors) console.error(formatErrorDetail(e));
    console.error(`bundle build failed: ${err.errors.length} error(s)`);
  } else {
    console.error(`bundle build failed: ${(err as Error).message}`);
  }
  process.exitCode = 1;
}
