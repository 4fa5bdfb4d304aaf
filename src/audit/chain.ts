/**
 * The hash chain and signed checkpoints. Each record commits to its predecessor's hash, so an
 * edit, deletion or reordering breaks every later link; a checkpoint signs the head with a key
 * the writer of the file does not need to hold, so a full rewrite of the chain is caught too.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from './canonical.ts';
import {
  AUDIT_RECORD_VERSION,
  type AuditEntry,
  type AuditRecord,
  type CheckpointClaim,
  type CheckpointEntry,
} from './record.ts';

/** prev_hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Domain tag of record hashes; a hash can never be replayed as another kind of digest. */
export const RECORD_DOMAIN = 'regent.audit.v1\0';

/** Domain tag of checkpoint signatures. */
export const CHECKPOINT_DOMAIN = 'regent.audit.checkpoint.v1\0';

/** The end of the chain a store appends to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** SHA-256 over RECORD_DOMAIN || prev_hash || canonical JSON of the record without `hash`. */
export function recordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _ignored, ...rest } = record as AuditRecord;
  return createHash('sha256').update(RECORD_DOMAIN).update(rest.prev_hash).update(canonicalJson(rest)).digest('hex');
}

/** Keys the chain header writes; a body's own values for them never reach the record. */
const HEADER_KEYS: ReadonlySet<string> = new Set(['v', 'seq', 'time', 'origin', 'prev_hash', 'hash']);

/** One top-level member of a record as canonical JSON text: [key, `"key":value`]. */
export type Member = readonly [key: string, text: string];

const member = (key: string, value: unknown): Member => [key, `${JSON.stringify(key)}:${canonicalJson(value)}`];
const byKey = (a: Member, b: Member): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * A body's members as canonical JSON, sorted, without the keys the header writes: the costly part
 * of sealing, done once per entry (when it is queued) and reused for its hash and its line.
 * Throws on values canonical JSON cannot carry.
 */
export function bodyMembers(body: object): Member[] {
  const members: Member[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value !== undefined && !HEADER_KEYS.has(key)) members.push(member(key, value));
  }
  return members.sort(byKey);
}

/** A record on the chain and the one line it is stored as (canonical JSON, no newline). */
export interface SealedRecord {
  record: AuditRecord;
  line: string;
}

/**
 * Puts a body on the chain after `head`: assigns seq, prev_hash and hash. The hash and the line
 * are the same bytes {@link recordHash} and {@link recordLine} would give, built from `members`
 * (the body's, unless given) without serialising the body again.
 */
export function sealRecord(
  head: ChainHead,
  body: AuditEntry | CheckpointEntry,
  time: string,
  origin: string,
  members: readonly Member[] = bodyMembers(body),
): SealedRecord {
  const header = { v: AUDIT_RECORD_VERSION, seq: head.seq + 1, time, origin, prev_hash: head.hash };
  const all = [...members, ...Object.entries(header).map(([key, value]) => member(key, value))].sort(byKey);
  const unsealed = `{${all.map((m) => m[1]).join(',')}}`;
  const hash = createHash('sha256').update(RECORD_DOMAIN).update(head.hash).update(unsealed).digest('hex');
  const at = all.findIndex((m) => m[0] > 'hash');
  all.splice(at < 0 ? all.length : at, 0, member('hash', hash));
  // The body's own time (if any) was already normalized into `time` by the caller.
  const { time: _bodyTime, ...rest } = body;
  const record = { ...rest, ...header, hash } as unknown as AuditRecord;
  return { record, line: `{${all.map((m) => m[1]).join(',')}}` };
}

/** The one line a record is stored as (canonical JSON, no newline). */
export function recordLine(record: AuditRecord): string {
  return canonicalJson(record);
}

/** sha256 hex of the public key's SPKI DER: names the key a checkpoint was signed with. */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(claim: CheckpointClaim): Buffer {
  return Buffer.from(
    CHECKPOINT_DOMAIN + canonicalJson({ seq: claim.seq, head_hash: claim.head_hash, time: claim.time }),
    'utf8',
  );
}

/** Signs chain heads with an Ed25519 private key. */
export class CheckpointSigner {
  readonly #key: KeyObject;
  /** key_id written into every checkpoint. */
  readonly keyId: string;

  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new TypeError('audit checkpoint key must be an Ed25519 private key');
    }
    this.#key = privateKey;
    this.keyId = keyId(privateKey);
  }

  /** Loads the signer from a PEM file (config `audit.signingKeyPath`). */
  static fromPemFile(path: string): CheckpointSigner {
    return new CheckpointSigner(createPrivateKey(readFileSync(path)));
  }

  /** A checkpoint body claiming that `head` is the chain's head at `time`. */
  checkpoint(head: ChainHead, time: string): CheckpointEntry {
    const claim: CheckpointClaim = { seq: head.seq, head_hash: head.hash, time };
    return {
      type: 'checkpoint',
      checkpoint: claim,
      key_id: this.keyId,
      signature: sign(null, checkpointMessage(claim), this.#key).toString('base64'),
    };
  }
}

/** Loads a PEM public key (or derives it from a private key) for verification. */
export function loadPublicKey(pem: string | Buffer): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('audit public key must be Ed25519');
  return key;
}

/** True when `signature` is a valid signature of `claim` by `publicKey`. */
export function verifyCheckpointSignature(claim: CheckpointClaim, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, checkpointMessage(claim), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
