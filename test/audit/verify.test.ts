/**
 * Tamper evidence: a trail is built offline, tampered with in every way an intruder with write
 * access to the file could, and verifyTrail must name the exact record (or accept the untouched
 * trail). The checkpoint cases prove the signature catches a rewrite the chain alone cannot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { CheckpointSigner, GENESIS_HASH, recordHash, recordLine } from '../../src/audit/chain.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { sealBatch } from '../../src/audit/sealer.ts';
import { verifyTrail, type VerifyOptions } from '../../src/audit/verify.ts';
import { admin, decision, keyPair, signerPair } from './helpers.ts';

const { signer, publicKey } = signerPair();
const clock = (): Date => new Date('2026-11-23T10:00:00.000Z');

/** 20 entries (19 decisions, 1 admin), a checkpoint after every 5: 24 records. */
function buildTrail(): AuditRecord[] {
  const entries = Array.from({ length: 20 }, (_, i) => (i === 9 ? admin() : decision(i + 1)));
  const sealed = sealBatch(
    { seq: 0, hash: GENESIS_HASH, sinceCheckpoint: 0, lastCheckpointMs: 0 },
    entries,
    { signer, everyRecords: 5, everyMs: Infinity },
    clock,
    'test',
  );
  return sealed.records;
}

const trail = buildTrail();
const clone = (): AuditRecord[] => trail.map((r) => structuredClone(r));
const lines = (records: AuditRecord[]): string[] => records.map((r) => recordLine(r));
const indexOfSeq = (seq: number): number => trail.findIndex((r) => r.seq === seq);
const lastIndex = trail.length - 1;
const firstCheckpointAfter = (index: number): number => trail.findIndex((r, i) => i > index && r.type === 'checkpoint');

/** Recomputes links and hashes from `from` on, as an intruder rewriting the tail would. */
function rechain(records: AuditRecord[], from: number): AuditRecord[] {
  for (let i = from; i < records.length; i += 1) {
    const record = records[i]!;
    const prev = records[i - 1];
    record.prev_hash = prev === undefined ? GENESIS_HASH : prev.hash;
    if (record.type === 'checkpoint' && prev !== undefined) {
      record.checkpoint = { ...record.checkpoint, seq: prev.seq, head_hash: prev.hash };
    }
    record.hash = recordHash(record);
  }
  return records;
}

function editTool(record: AuditRecord | undefined, tool: string): void {
  if (record?.type !== 'decision') throw new Error('test setup: not a decision record');
  record.tool = tool;
}

interface Case {
  note: string;
  tamper: (records: AuditRecord[]) => unknown[];
  options?: VerifyOptions;
  want: { ok: true } | { problem: string; index: number; seq?: number | null };
}

const keys = { publicKeys: [publicKey] };
const cases: Case[] = [
  { note: 'an untouched trail verifies clean', tamper: (r) => r, options: keys, want: { ok: true } },
  { note: 'an untouched trail verifies clean without keys too', tamper: (r) => r, want: { ok: true } },
  {
    note: 'a field edited in place breaks that record own hash',
    tamper: (r) => (editTool(r[indexOfSeq(7)], 'fs.read'), r),
    want: { problem: 'edited', index: indexOfSeq(7), seq: 7 },
  },
  {
    note: 'an edited record whose hash was recomputed is caught by its successor link',
    tamper: (r) => {
      editTool(r[indexOfSeq(7)], 'fs.read');
      r[indexOfSeq(7)]!.hash = recordHash(r[indexOfSeq(7)]!);
      return r;
    },
    want: { problem: 'edited', index: indexOfSeq(7), seq: 7 },
  },
  {
    note: 'the decision itself flipped from deny to allow is an edit',
    tamper: (r) => {
      const record = r[indexOfSeq(3)];
      if (record?.type === 'decision') record.decision = 'allow';
      return r;
    },
    want: { problem: 'edited', index: indexOfSeq(3), seq: 3 },
  },
  {
    note: 'the last record edited and rehashed is caught by an expected head hash',
    tamper: (r) => {
      const last = r[lastIndex]!;
      last.time = '2030-01-01T00:00:00.000Z';
      last.hash = recordHash(last);
      return r;
    },
    options: { ...keys, expectedHead: { seq: trail[lastIndex]!.seq, hash: trail[lastIndex]!.hash } },
    want: { problem: 'edited', index: lastIndex },
  },
  {
    note: 'a record removed from the middle is named as deleted by its seq',
    tamper: (r) => r.filter((x) => x.seq !== 7),
    want: { problem: 'deleted', index: indexOfSeq(7), seq: 7 },
  },
  {
    note: 'the first record removed is named as deleted',
    tamper: (r) => r.slice(1),
    want: { problem: 'deleted', index: 0, seq: 1 },
  },
  {
    note: 'two records swapped are named as reordered at the first out-of-place one',
    tamper: (r) => {
      const i = indexOfSeq(7);
      [r[i], r[i + 1]] = [r[i + 1]!, r[i]!];
      return r;
    },
    want: { problem: 'reordered', index: indexOfSeq(7), seq: 7 },
  },
  {
    note: 'a record moved to the end is named as reordered where it is missing',
    tamper: (r) => {
      const [moved] = r.splice(indexOfSeq(3), 1);
      return [...r, moved];
    },
    want: { problem: 'reordered', index: indexOfSeq(3), seq: 3 },
  },
  {
    note: 'a record replayed twice is named as reordered at the replay',
    tamper: (r) => {
      r.splice(indexOfSeq(5) + 1, 0, structuredClone(r[indexOfSeq(5)]!));
      return r;
    },
    want: { problem: 'reordered', index: indexOfSeq(5) + 1, seq: 5 },
  },
  {
    note: 'a deletion covered up by renumbering and rehashing the rest is caught by the signature',
    tamper: (r) => {
      const kept = r.filter((x) => x.seq !== 7);
      kept.forEach((x, i) => (x.seq = i + 1));
      return rechain(kept, 0);
    },
    options: keys,
    want: { problem: 'bad_signature', index: firstCheckpointAfter(indexOfSeq(7)) - 1 },
  },
  {
    note: 'the tail cut off is caught when the expected length is known',
    tamper: (r) => r.slice(0, -3),
    options: { expectedHead: { seq: trail.length } },
    want: { problem: 'truncated', index: trail.length - 3, seq: trail.length - 2 },
  },
  {
    note: 'the tail cut off is caught by a checkpoint kept outside the trail',
    tamper: (r) => r.slice(0, -3),
    options: { ...keys, anchors: [trail[lastIndex] as AuditRecord & { type: 'checkpoint' }] },
    want: { problem: 'truncated', index: trail.length - 3, seq: trail.length - 2 },
  },
  {
    note: 'the tail cut off with nothing to compare against cannot be seen (documented limit)',
    tamper: (r) => r.slice(0, -3),
    options: keys,
    want: { ok: true },
  },
  {
    note: 'a line that is not JSON is malformed',
    tamper: (r) => {
      const out: unknown[] = lines(r);
      out[4] = '{"seq": 5, "broken';
      return out;
    },
    want: { problem: 'malformed', index: 4, seq: null },
  },
  {
    note: 'a rewritten tail with recomputed hashes fails at the first checkpoint it reaches',
    tamper: (r) => {
      editTool(r[indexOfSeq(8)], 'fs.delete');
      return rechain(r, indexOfSeq(8));
    },
    options: keys,
    want: { problem: 'bad_signature', index: firstCheckpointAfter(indexOfSeq(8)) },
  },
  {
    note: 'the same rewrite passes without the public key: the chain alone cannot see it',
    tamper: (r) => {
      editTool(r[indexOfSeq(8)], 'fs.delete');
      return rechain(r, indexOfSeq(8));
    },
    want: { ok: true },
  },
  {
    note: 'a checkpoint signature altered (and the chain rehashed) is a bad signature',
    tamper: (r) => {
      const i = firstCheckpointAfter(0);
      const cp = r[i]!;
      if (cp.type === 'checkpoint') cp.signature = Buffer.alloc(64, 7).toString('base64');
      return rechain(r, i);
    },
    options: keys,
    want: { problem: 'bad_signature', index: firstCheckpointAfter(0) },
  },
  {
    note: 'checkpoints verified with a different key are rejected',
    tamper: (r) => r,
    options: { publicKeys: [keyPair().publicKey] },
    want: { problem: 'bad_signature', index: firstCheckpointAfter(0) },
  },
];

describe('verifyTrail', () => {
  for (const c of cases) {
    it(c.note, () => {
      const result = verifyTrail(c.tamper(clone()), c.options ?? {});
      if ('ok' in c.want) {
        assert.equal(result.ok, true, JSON.stringify(result));
        return;
      }
      assert.equal(result.ok, false, 'expected the tampering to be detected');
      if (result.ok) return;
      assert.equal(result.problem, c.want.problem, result.message);
      assert.equal(result.index, c.want.index, result.message);
      if (c.want.seq !== undefined) assert.equal(result.seq, c.want.seq, result.message);
    });
  }

  it('counts records by type and reports the unsigned tail', () => {
    const result = verifyTrail(lines(trail), keys);
    assert.equal(result.ok, true);
    assert.deepEqual(
      { records: result.records, decisions: result.decisions, admin: result.admin, checkpoints: result.checkpoints },
      { records: 24, decisions: 19, admin: 1, checkpoints: 4 },
    );
    assert.equal(result.checkpoints_verified, 4);
    assert.equal(result.unsigned_tail, 0);
    assert.equal(verifyTrail(lines(trail).slice(0, 3)).unsigned_tail, 3);
  });

  it('verifies a slice that starts after a known head', () => {
    const from = indexOfSeq(12);
    const result = verifyTrail(trail.slice(from), {
      startAfter: { seq: trail[from - 1]!.seq, hash: trail[from - 1]!.hash },
    });
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('refuses an outside anchor whose signature does not hold', () => {
    const anchor = structuredClone(trail[lastIndex] as AuditRecord & { type: 'checkpoint' });
    anchor.checkpoint.seq += 1;
    assert.throws(() => verifyTrail(trail, { ...keys, anchors: [anchor] }), /no valid signature/);
  });
});

describe('record hashing', () => {
  it('is SHA-256 over the domain tag, prev_hash and the canonical record without hash', async () => {
    const { createHash } = await import('node:crypto');
    const record = trail[0]!;
    const { hash: _hash, ...rest } = record;
    const expected = createHash('sha256')
      .update(`regent.audit.v1\0${record.prev_hash}${canonicalJson(rest)}`)
      .digest('hex');
    assert.equal(record.hash, expected);
  });

  const canonicalCases = [
    {
      note: 'keys are sorted at every depth',
      value: { b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } },
      want: '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    },
    { note: 'strings are escaped as JSON does', value: { s: 'a"\n\u2028é' }, want: '{"s":"a\\"\\n\u2028é"}' },
    { note: 'undefined members are left out', value: { a: undefined, b: true }, want: '{"b":true}' },
  ];
  for (const c of canonicalCases) {
    it(`canonical JSON: ${c.note}`, () => {
      assert.equal(canonicalJson(c.value), c.want);
    });
  }

  it('canonical JSON refuses numbers JSON cannot carry', () => {
    assert.throws(() => canonicalJson({ n: Number.NaN }), /non-finite/);
  });

  it('a signer refuses a key that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => new CheckpointSigner(privateKey), /Ed25519/);
  });
});
