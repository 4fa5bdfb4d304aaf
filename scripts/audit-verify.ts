/**
 * Verifies an audit trail offline: prints OK with counts, or names the first record that was
 * edited, deleted, reordered or cut off (or the first checkpoint whose signature fails) and
 * exits 1. Exit 2 on a usage error.
 *
 *   node scripts/audit-verify.ts --file var/audit/trail.jsonl --public-key audit-ed25519.pub.pem
 *     [--expect-head <seq>[:<hash>]] [--anchor checkpoint.json] [--ocsf] [--max-unsigned-tail N]
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadPublicKey } from '../src/audit/chain.ts';
import { fromOcsf } from '../src/audit/ocsf.ts';
import { TrailVerifier, type CheckpointAnchor, type VerifyOptions, type VerifyResult } from '../src/audit/verify.ts';

const USAGE =
  'usage: node scripts/audit-verify.ts --file <trail.jsonl> [--public-key <pem>]... ' +
  '[--expect-head <seq>[:<hash>]] [--anchor <checkpoint.json>]... [--ocsf] [--max-unsigned-tail <n>]';

/** Parses the command line into verifier options; throws a usage error message. */
function options(argv: string[]): {
  file: string;
  ocsf: boolean;
  maxUnsignedTail: number | null;
  verify: VerifyOptions;
} {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      'expect-head': { type: 'string' },
      anchor: { type: 'string', multiple: true },
      ocsf: { type: 'boolean', default: false },
      'max-unsigned-tail': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || values.file === undefined) throw new Error(USAGE);
  const verify: VerifyOptions = {};
  const keys = values['public-key'] ?? [];
  if (keys.length > 0) verify.publicKeys = keys.map((path) => loadPublicKey(readFileSync(path)));
  if (values['expect-head'] !== undefined) {
    const [seq, hash] = values['expect-head'].split(':');
    if (seq === undefined || !/^\d+$/.test(seq)) throw new Error(`--expect-head wants <seq>[:<hash>]\n${USAGE}`);
    verify.expectedHead = hash === undefined ? { seq: Number(seq) } : { seq: Number(seq), hash };
  }
  if (values.anchor !== undefined) {
    verify.anchors = values.anchor.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as CheckpointAnchor),
    );
  }
  const tail = values['max-unsigned-tail'];
  if (tail !== undefined && !/^\d+$/.test(tail)) throw new Error(`--max-unsigned-tail wants a number\n${USAGE}`);
  return {
    file: values.file,
    ocsf: values.ocsf,
    maxUnsignedTail: tail === undefined ? null : Number(tail),
    verify,
  };
}

/** Streams the file through the verifier, so a large trail need not fit in memory. */
async function verifyFile(file: string, ocsf: boolean, verify: VerifyOptions): Promise<VerifyResult> {
  const verifier = new TrailVerifier(verify);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    if (!ocsf) {
      verifier.push(line);
      continue;
    }
    try {
      verifier.push(fromOcsf(JSON.parse(line)));
    } catch {
      verifier.push(null);
    }
  }
  return verifier.finish();
}

function describe(result: VerifyResult): string {
  return (
    `${result.records} records (${result.decisions} decisions, ${result.admin} admin, ${result.checkpoints} checkpoints, ` +
    `${result.checkpoints_verified} signatures verified); head seq ${result.head.seq} ${result.head.hash}; ` +
    `${result.unsigned_tail} records after the last checkpoint`
  );
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const result = await verifyFile(parsed.file, parsed.ocsf, parsed.verify);
  if (!result.ok) {
    process.stdout.write(
      `FAIL ${parsed.file}: line ${result.index + 1}${result.seq === null ? '' : ` (seq ${result.seq})`}: ` +
        `${result.problem}: ${result.message}\n`,
    );
    return 1;
  }
  if (parsed.maxUnsignedTail !== null && result.unsigned_tail > parsed.maxUnsignedTail) {
    process.stdout.write(
      `FAIL ${parsed.file}: ${result.unsigned_tail} records after the last checkpoint (more than ${parsed.maxUnsignedTail}): ` +
        'the tail is not covered by a signature\n',
    );
    return 1;
  }
  if (parsed.verify.publicKeys === undefined && result.checkpoints > 0) {
    process.stdout.write('note: checkpoint signatures were not checked (no --public-key)\n');
  }
  process.stdout.write(`OK ${parsed.file}: ${describe(result)}\n`);
  return 0;
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`audit-verify: ${error instanceof Error ? error.message : String(error)}\n`);
  return 2;
});
