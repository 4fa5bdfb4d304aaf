/**
 * `regent audit verify`: verifies an audit trail offline. Prints OK with counts, or names the
 * first record that was edited, deleted, reordered or cut off (or the first checkpoint whose
 * signature fails) and exits 1.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadPublicKey } from '../audit/chain.ts';
import { fromOcsf } from '../audit/ocsf.ts';
import { TrailVerifier, type CheckpointAnchor, type VerifyOptions, type VerifyResult } from '../audit/verify.ts';
import { EXIT, parseFlags, runCommand, UsageError, wholeNumber, type Command } from './command.ts';

const HELP = `usage: regent audit verify --file <trail.jsonl> [--public-key <pem>]... [--expect-head <seq>[:<hash>]]
                          [--anchor <checkpoint.json>]... [--ocsf] [--max-unsigned-tail <n>]

Verifies an audit trail offline: the hash chain, the order, and (with --public-key) every
signed checkpoint. Streams the file, so a large trail need not fit in memory.

  --file <path>               the trail (REGENT_AUDIT_PATH), or an export of it
  --public-key <pem>          Ed25519 public key that checkpoints must verify with (repeatable)
  --expect-head <seq>[:<hash>] the trail must end at this record (a head kept elsewhere)
  --anchor <file>             checkpoint log lines ('audit checkpoint' from regent's log), one
                              JSON object a line; a trail cut back past one fails (repeatable)
  --ocsf                      the file is an OCSF export (regent audit export), not raw records
  --max-unsigned-tail <n>     fail when more than n records follow the last checkpoint

Exit: 0 verified, 1 the trail fails verification, 2 usage error or a file cannot be read.
`;

/** Verifier options from parsed flags. */
function verifyOptions(values: {
  'public-key'?: string[] | undefined;
  'expect-head'?: string | undefined;
  anchor?: string[] | undefined;
}): VerifyOptions {
  const verify: VerifyOptions = {};
  const keys = values['public-key'] ?? [];
  if (keys.length > 0) verify.publicKeys = keys.map((path) => loadPublicKey(readFileSync(path)));
  const head = values['expect-head'];
  if (head !== undefined) {
    const [seq, hash] = head.split(':');
    if (seq === undefined || !/^\d+$/.test(seq)) throw new UsageError('--expect-head wants <seq>[:<hash>]');
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
  return verify;
}

/** Streams the file through the verifier. */
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

/** `regent audit verify`. */
export const auditVerify: Command = {
  path: ['audit', 'verify'],
  help: HELP,
  run: (argv) =>
    runCommand(
      auditVerify,
      async () => {
        const { values } = parseFlags(argv, {
          file: { type: 'string' },
          'public-key': { type: 'string', multiple: true },
          'expect-head': { type: 'string' },
          anchor: { type: 'string', multiple: true },
          ocsf: { type: 'boolean', default: false },
          'max-unsigned-tail': { type: 'string' },
        });
        const file = values.file;
        if (file === undefined) throw new UsageError('--file is required');
        const tail = values['max-unsigned-tail'];
        const maxUnsignedTail = tail === undefined ? null : wholeNumber('max-unsigned-tail', tail);
        const verify = verifyOptions(values);
        const result = await verifyFile(file, values.ocsf, verify);
        if (!result.ok) {
          process.stdout.write(
            `FAIL ${file}: line ${result.index + 1}${result.seq === null ? '' : ` (seq ${result.seq})`}: ` +
              `${result.problem}: ${result.message}\n`,
          );
          return EXIT.failed;
        }
        if (maxUnsignedTail !== null && result.unsigned_tail > maxUnsignedTail) {
          process.stdout.write(
            `FAIL ${file}: ${result.unsigned_tail} records after the last checkpoint (more than ${maxUnsignedTail}): ` +
              'the tail is not covered by a signature\n',
          );
          return EXIT.failed;
        }
        if (verify.publicKeys === undefined && result.checkpoints > 0) {
          process.stdout.write('note: checkpoint signatures were not checked (no --public-key)\n');
        }
        process.stdout.write(`OK ${file}: ${describe(result)}\n`);
        return EXIT.ok;
      },
      EXIT.usage,
    ),
};
