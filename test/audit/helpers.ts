/**
 * Shared test fixtures for the audit suite: entries, keys, store options, temp dirs.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointSigner } from '../../src/audit/chain.ts';
import type { AdminEntry, DecisionEntry } from '../../src/audit/record.ts';
import { STORE_DEFAULTS, type StoreOptions } from '../../src/audit/store.ts';

/** A fresh Ed25519 key pair. */
export function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** A decision entry; `over` replaces fields. */
export function decision(i: number, over: Partial<DecisionEntry> = {}): DecisionEntry {
  return {
    type: 'decision',
    decision_id: `dec-${i}`,
    agent: { id: 'hr-assistant', on_behalf_of: 'alice' },
    session: { id: 'sess-1', step: i },
    tool: 'slack.post_message',
    kind: 'send',
    data_flow: {
      resource: null,
      sources: [{ system: 'workday', labels: ['pii'], classification: 'restricted' }],
      destination: { system: 'slack', audience: 'all_employees', recipients: [], recipient_count: 0 },
      field_labels: [],
      truncated: false,
    },
    detections: ['email'],
    decision: 'deny',
    reason_codes: ['flow.audience_not_cleared'],
    redacted_paths: [],
    policy_revision: 'rev-1',
    input_digest: 'ab'.repeat(32),
    latency_us: 420,
    ...over,
  };
}

/** An admin entry. */
export function admin(action = 'policy.change'): AdminEntry {
  return {
    type: 'admin',
    action,
    actor: { id: 'ops-bob', auth: 'bearer' },
    target: { kind: 'policy', id: 'regent/decision' },
    outcome: 'success',
    policy_revision: 'rev-2',
    details: { previous_revision: 'rev-1' },
  };
}

/** Store options with small, test-friendly settings. */
export function storeOptions(over: Partial<StoreOptions> = {}, signer: CheckpointSigner | null = null): StoreOptions {
  return {
    origin: 'test-replica',
    checkpoints: { signer, everyRecords: 10, everyMs: 60_000 },
    batch: { maxRecords: STORE_DEFAULTS.maxBatchRecords, maxBytes: STORE_DEFAULTS.maxBatchBytes },
    maxRecordBytes: STORE_DEFAULTS.maxRecordBytes,
    retryMs: 0,
    ...over,
  };
}

/** A temp dir removed by the returned cleanup. */
export function tempDir(prefix = 'regent-audit-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A signer and its public key. */
export function signerPair(): { signer: CheckpointSigner; publicKey: KeyObject } {
  const { privateKey, publicKey } = keyPair();
  return { signer: new CheckpointSigner(privateKey), publicKey };
}
