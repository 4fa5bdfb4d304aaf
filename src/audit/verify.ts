/**
 * Offline verification of a trail. It walks the records once (streaming, so a large export does
 * not have to fit in memory) and names the first record that was edited, deleted, reordered or
 * cut off, or the first checkpoint whose signature does not hold.
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, keyId, recordHash, verifyCheckpointSignature, type ChainHead } from './chain.ts';
import { AUDIT_RECORD_VERSION, type AuditRecord, type CheckpointClaim } from './record.ts';

/** What went wrong at the flagged record. */
export type VerifyProblem = 'malformed' | 'edited' | 'deleted' | 'reordered' | 'truncated' | 'bad_signature';

/** Counts gathered while verifying, reported whether or not the trail is intact. */
export interface VerifyCounts {
  records: number;
  decisions: number;
  admin: number;
  checkpoints: number;
  /** Checkpoints whose signature was checked against a given public key. */
  checkpoints_verified: number;
  /** Records after the last checkpoint: protected by the chain only, not by a signature. */
  unsigned_tail: number;
  head: ChainHead;
}

/** The trail is intact as far as the given keys and expectations can tell. */
export interface VerifyOk extends VerifyCounts {
  ok: true;
}

/** The first problem found; `index` is 0-based into the records (the line number minus one). */
export interface VerifyFailure extends VerifyCounts {
  ok: false;
  index: number;
  /** seq of the flagged record, or the seq that should have been there. */
  seq: number | null;
  problem: VerifyProblem;
  message: string;
}

/** Result of `verifyTrail`. */
export type VerifyResult = VerifyOk | VerifyFailure;

/** A signed checkpoint kept outside the trail (e.g. shipped to the log pipeline). */
export interface CheckpointAnchor {
  checkpoint: CheckpointClaim;
  key_id: string;
  signature: string;
}

/** What the verifier may rely on besides the records themselves. */
export interface VerifyOptions {
  /** Ed25519 public keys; checkpoints are signature-checked only when given. */
  publicKeys?: readonly KeyObject[];
  /** A head known from elsewhere: the trail must reach `seq`, with `hash` there when given. */
  expectedHead?: { seq: number; hash?: string };
  /** Checkpoints kept outside the trail: the trail must reach them and match their hashes. */
  anchors?: readonly CheckpointAnchor[];
  /** Verify a slice that starts after this head instead of at genesis. */
  startAfter?: ChainHead;
}

const HEX64 = /^[0-9a-f]{64}$/;
const TYPES = new Set(['decision', 'admin', 'checkpoint']);

/** Streaming verifier: `push` each record (parsed or as its JSON line), then `finish`. */
export class TrailVerifier {
  readonly #keys = new Map<string, KeyObject>();
  readonly #anchors = new Map<number, string>();
  #maxAnchorSeq = 0;
  #index = 0;
  #expectedSeq: number;
  #prev: ChainHead;
  #lastCheckpointSeq: number;
  #lastTrustedSeq: number;
  #counts = { decisions: 0, admin: 0, checkpoints: 0, checkpoints_verified: 0 };
  #failure: Omit<VerifyFailure, keyof VerifyCounts | 'ok'> | null = null;
  /** After a seq gap: the missing seq, and every seq seen from there on (deleted vs reordered). */
  #gap: { missing: number; seen: Set<number> } | null = null;

  constructor(options: VerifyOptions = {}) {
    for (const key of options.publicKeys ?? []) this.#keys.set(keyId(key), key);
    const start = options.startAfter ?? { seq: 0, hash: GENESIS_HASH };
    this.#prev = start;
    this.#expectedSeq = start.seq + 1;
    this.#lastCheckpointSeq = start.seq;
    this.#lastTrustedSeq = start.seq;
    for (const anchor of options.anchors ?? []) {
      if (this.#keys.size > 0) {
        const key = this.#keys.get(anchor.key_id);
        if (key === undefined || !verifyCheckpointSignature(anchor.checkpoint, anchor.signature, key)) {
          throw new TypeError(`anchor checkpoint at seq ${anchor.checkpoint.seq} has no valid signature`);
        }
      }
      this.#addAnchor(anchor.checkpoint.seq, anchor.checkpoint.head_hash);
    }
    if (options.expectedHead !== undefined) this.#addAnchor(options.expectedHead.seq, options.expectedHead.hash);
  }

  /** Feeds the next record; a string is parsed as one JSON line. */
  push(item: unknown): void {
    const index = this.#index++;
    let record: AuditRecord | null;
    try {
      record = typeof item === 'string' ? asRecord(JSON.parse(item)) : asRecord(item);
    } catch {
      record = null;
    }
    if (this.#gap !== null) {
      if (record !== null) this.#gap.seen.add(record.seq);
      return;
    }
    if (this.#failure !== null) return;
    if (record === null) {
      this.#fail(index, null, 'malformed', 'not a well-formed audit record');
      return;
    }
    if (recordHash(record) !== record.hash) {
      this.#fail(index, record.seq, 'edited', `record seq ${record.seq} does not match its own hash`);
      return;
    }
    if (record.seq !== this.#expectedSeq) {
      if (record.seq < this.#expectedSeq) {
        this.#fail(index, record.seq, 'reordered', `seq ${record.seq} appears after seq ${this.#expectedSeq - 1}`);
        return;
      }
      // Deleted or moved? Only the rest of the trail can tell: decided in finish().
      this.#fail(index, this.#expectedSeq, 'deleted', '');
      this.#gap = { missing: this.#expectedSeq, seen: new Set([record.seq]) };
      return;
    }
    if (record.prev_hash !== this.#prev.hash) {
      // The record itself is consistent, so its predecessor was rewritten and rehashed.
      if (index === 0) {
        this.#fail(0, record.seq, 'edited', `record seq ${record.seq} does not link to the start of the trail`);
      } else {
        this.#fail(
          index - 1,
          this.#prev.seq,
          'edited',
          `record seq ${this.#prev.seq} was rewritten: record seq ${record.seq} committed to a different hash`,
        );
      }
      return;
    }
    const anchored = this.#anchors.get(record.seq);
    if (anchored !== undefined && anchored !== '' && anchored !== record.hash) {
      this.#fail(index, record.seq, 'edited', `record seq ${record.seq} differs from the externally kept head`);
      return;
    }
    if (record.type === 'checkpoint') {
      const problem = this.#checkCheckpoint(record);
      if (problem !== null) {
        this.#fail(index, record.seq, 'bad_signature', problem);
        return;
      }
    } else {
      this.#counts[record.type === 'decision' ? 'decisions' : 'admin'] += 1;
    }
    this.#prev = { seq: record.seq, hash: record.hash };
    this.#expectedSeq = record.seq + 1;
  }

  /** Ends the walk and reports. */
  finish(): VerifyResult {
    const counts: VerifyCounts = {
      records: this.#index,
      ...this.#counts,
      unsigned_tail: this.#prev.seq - this.#lastCheckpointSeq,
      head: this.#prev,
    };
    if (this.#gap !== null && this.#failure !== null) {
      const { missing, seen } = this.#gap;
      this.#failure = seen.has(missing)
        ? {
            ...this.#failure,
            problem: 'reordered',
            message: `seq ${missing} is out of place: it appears later in the trail`,
          }
        : { ...this.#failure, problem: 'deleted', message: `seq ${missing} is missing from the trail` };
    }
    if (this.#failure === null && this.#maxAnchorSeq > this.#prev.seq) {
      this.#failure = {
        index: this.#index,
        seq: this.#prev.seq + 1,
        problem: 'truncated',
        message: `trail ends at seq ${this.#prev.seq} but seq ${this.#maxAnchorSeq} is known to exist`,
      };
    }
    return this.#failure === null ? { ok: true, ...counts } : { ok: false, ...counts, ...this.#failure };
  }

  #addAnchor(seq: number, hash: string | undefined): void {
    const known = this.#anchors.get(seq);
    if (known !== undefined && known !== '' && hash !== undefined && known !== hash) {
      throw new TypeError(`two different hashes are expected at seq ${seq}`);
    }
    this.#anchors.set(seq, hash ?? known ?? '');
    this.#maxAnchorSeq = Math.max(this.#maxAnchorSeq, seq);
  }

  #checkCheckpoint(record: AuditRecord & { type: 'checkpoint' }): string | null {
    this.#counts.checkpoints += 1;
    const claim = record.checkpoint;
    if (claim.seq !== record.seq - 1 || claim.head_hash !== record.prev_hash) {
      return `checkpoint seq ${record.seq} claims a head that is not its predecessor`;
    }
    this.#lastCheckpointSeq = record.seq;
    if (this.#keys.size === 0) return null;
    const key = this.#keys.get(record.key_id);
    const range = `records seq ${this.#lastTrustedSeq + 1}..${claim.seq} cannot be trusted`;
    if (key === undefined) return `checkpoint seq ${record.seq} is signed by an unknown key; ${range}`;
    if (!verifyCheckpointSignature(claim, record.signature, key)) {
      return `checkpoint seq ${record.seq} has a bad signature; ${range}`;
    }
    this.#counts.checkpoints_verified += 1;
    this.#lastTrustedSeq = record.seq;
    return null;
  }

  #fail(index: number, seq: number | null, problem: VerifyProblem, message: string): void {
    this.#failure = { index, seq, problem, message };
  }
}

/** Verifies a whole trail held in memory; see TrailVerifier for the streaming form. */
export function verifyTrail(records: Iterable<unknown>, options: VerifyOptions = {}): VerifyResult {
  const verifier = new TrailVerifier(options);
  for (const record of records) verifier.push(record);
  return verifier.finish();
}

/** Accepts an object only if it has the header every record needs; the hash covers the rest. */
export function asRecord(value: unknown): AuditRecord | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  const ok =
    r['v'] === AUDIT_RECORD_VERSION &&
    Number.isSafeInteger(r['seq']) &&
    (r['seq'] as number) > 0 &&
    typeof r['time'] === 'string' &&
    typeof r['type'] === 'string' &&
    TYPES.has(r['type']) &&
    typeof r['prev_hash'] === 'string' &&
    HEX64.test(r['prev_hash']) &&
    typeof r['hash'] === 'string' &&
    HEX64.test(r['hash']);
  if (!ok) return null;
  if (r['type'] === 'checkpoint') {
    const c = r['checkpoint'] as Record<string, unknown> | null | undefined;
    const claimOk =
      c !== null &&
      typeof c === 'object' &&
      Number.isSafeInteger(c['seq']) &&
      typeof c['head_hash'] === 'string' &&
      typeof c['time'] === 'string' &&
      typeof r['key_id'] === 'string' &&
      typeof r['signature'] === 'string';
    if (!claimOk) return null;
  }
  return value as AuditRecord;
}
