/**
 * What one audit record says. Every decision (including fail-closed denials) and every admin
 * action becomes one record; signed checkpoints share the trail. Records hold identities, labels
 * and digests only: never payload values, so the trail can be kept longer and shown more widely
 * than the data the agent touched.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { AuditRecordError } from './errors.ts';

/** Record format version; part of every hash, bumped on any change to the layout. */
export const AUDIT_RECORD_VERSION = 1;

/** The three kinds of record in the one trail. */
export type AuditRecordType = 'decision' | 'admin' | 'checkpoint';

/** Decisions regent can answer with. */
export type AuditDecision = 'allow' | 'deny' | 'redact' | 'escalate';

/** One source system of a data flow, as labels and classification only. */
export interface FlowSource {
  system: string | null;
  labels: string[];
  classification: string | null;
}

/** Where the data goes: system, audience class, and recipient identities (never contents). */
export interface FlowDestination {
  system: string | null;
  /** The channel, list or space (the destination directory's key), when the send named one. */
  id?: string | null;
  audience: string | null;
  /** Recipient ids (up to 64; empty when the caller only knows how many). */
  recipients: string[];
  /** How many recipients there were, even when their ids were clipped or not given. */
  recipient_count: number;
}

/** The shape of the data movement a tool call makes, with no payload values in it. */
export interface DataFlowSummary {
  resource: { system: string | null; id: string | null; labels: string[]; classification: string | null } | null;
  sources: FlowSource[];
  destination: FlowDestination | null;
  /** Union of labels the caller tagged on payload fields. */
  field_labels: string[];
  /** True when a list or string was clipped to the summary's bounds. */
  truncated: boolean;
}

/** The body of a decision record, as the decision service hands it to `append`. */
export interface DecisionEntry {
  type: 'decision';
  decision_id: string;
  /** When the decision was made (ISO 8601 UTC); the store stamps its clock when absent. */
  time?: string;
  agent: { id: string; on_behalf_of: string | null };
  session: { id: string; step: number } | null;
  tool: string;
  kind: string;
  data_flow: DataFlowSummary;
  detections: string[];
  decision: AuditDecision;
  reason_codes: string[];
  redacted_paths: string[];
  policy_revision: string | null;
  /** sha256 hex of the canonical policy input, so a kept copy of the input can be matched. */
  input_digest: string;
  latency_us: number;
  /** Present on a result-phase step: what a tool returned, decided before the agent saw it. */
  phase?: 'result';
  /** The pre-call decision a result-phase step answers, when the caller named it. */
  parent_decision_id?: string;
  /** An agent in observe mode: what the policy would have answered (the recorded decision is the allow it got). */
  observed?: { decision: 'deny' | 'redact' | 'escalate'; reason_codes: string[] };
}

/** The body of an admin record: who changed what, through which interface. */
export interface AdminEntry {
  type: 'admin';
  time?: string;
  /** Dotted action name, e.g. `policy.change`, `session.delete`, `bundle.activate`. */
  action: string;
  actor: { id: string; auth: string | null };
  target: { kind: string; id: string } | null;
  outcome: 'success' | 'failure';
  policy_revision: string | null;
  /** Small string facts about the action (old/new revision, reason); never secrets. */
  details: Record<string, string>;
}

/** What a signed checkpoint claims: the chain head at `seq` had hash `head_hash`. */
export interface CheckpointClaim {
  seq: number;
  head_hash: string;
  time: string;
}

/** The body of a checkpoint record, written by the store itself. */
export interface CheckpointEntry {
  type: 'checkpoint';
  time?: string;
  checkpoint: CheckpointClaim;
  /** sha256 hex of the signing public key's SPKI DER, to pick the key when verifying. */
  key_id: string;
  /** base64 Ed25519 signature over the domain-separated canonical claim. */
  signature: string;
}

/** Anything a caller may append. */
export type AuditEntry = DecisionEntry | AdminEntry;

/** Fields every stored record carries besides its body. */
export interface RecordHeader {
  v: typeof AUDIT_RECORD_VERSION;
  seq: number;
  time: string;
  /** Which regent instance wrote the record (a replica name), for forensics across replicas. */
  origin: string;
  prev_hash: string;
  hash: string;
}

/** A stored decision record. */
export type DecisionRecord = RecordHeader & Omit<DecisionEntry, 'time'>;
/** A stored admin record. */
export type AdminRecord = RecordHeader & Omit<AdminEntry, 'time'>;
/** A stored checkpoint record. */
export type CheckpointRecord = RecordHeader & Omit<CheckpointEntry, 'time'>;
/** One line of the trail. */
export type AuditRecord = DecisionRecord | AdminRecord | CheckpointRecord;

/** What `append` resolves with once the record is durable. */
export interface AuditReceipt {
  seq: number;
  hash: string;
  time: string;
}

const MAX_STRING = 256;
const MAX_ITEMS = 64;
const HEX64 = /^[0-9a-f]{64}$/;
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const DECISIONS: readonly string[] = ['allow', 'deny', 'redact', 'escalate'];

/** sha256 hex of the canonical JSON of a policy input; what `input_digest` should hold. */
export function digestInput(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

/** Builds the data-flow summary from a policy input (docs/policy-contract.md), dropping payload. */
export function dataFlowSummary(input: unknown): DataFlowSummary {
  const clip = { truncated: false };
  const root = asObject(input);
  const action = asObject(root['action']);
  const flow = asObject(root['data_flow']);
  const resource = asObject(action['resource']);
  const destination = asObject(flow['destination']);
  const sources = asArray(flow['sources'], clip).map((item) => {
    const source = asObject(item);
    return {
      system: str(source['system'], clip),
      labels: strings(source['labels'], clip),
      classification: str(source['classification'], clip),
    };
  });
  const fieldLabels = new Set<string>();
  for (const field of asArray(flow['fields'], clip)) {
    for (const label of strings(asObject(field)['labels'], clip)) fieldLabels.add(label);
  }
  return {
    resource:
      action['resource'] === undefined
        ? null
        : {
            system: str(resource['system'], clip),
            id: str(resource['id'], clip),
            labels: strings(resource['labels'], clip),
            classification: str(resource['classification'], clip),
          },
    sources,
    destination:
      flow['destination'] === undefined
        ? null
        : {
            system: str(destination['system'], clip),
            audience: str(destination['audience'], clip),
            recipients: asArray(destination['recipients'], clip)
              .map((r) => str(asObject(r)['id'], clip))
              .filter((id): id is string => id !== null),
            recipient_count: Array.isArray(destination['recipients']) ? destination['recipients'].length : 0,
          },
    field_labels: [...fieldLabels].sort().slice(0, MAX_ITEMS),
    truncated: clip.truncated,
  };
}

/** An empty summary, for decisions made before the input could be read (e.g. a schema error). */
export function emptyDataFlow(): DataFlowSummary {
  return { resource: null, sources: [], destination: null, field_labels: [], truncated: false };
}

/** Checks an entry against the record schema; throws AuditRecordError naming the bad field. */
export function validateEntry(entry: AuditEntry): void {
  const bad = (field: string): never => {
    throw new AuditRecordError(`audit entry: invalid ${field}`);
  };
  if (entry.time !== undefined && Number.isNaN(Date.parse(entry.time))) bad('time');
  if (entry.type === 'decision') {
    if (!isId(entry.decision_id)) bad('decision_id');
    if (!isId(entry.agent?.id)) bad('agent.id');
    if (entry.agent.on_behalf_of !== null && !isId(entry.agent.on_behalf_of)) bad('agent.on_behalf_of');
    if (entry.session !== null) {
      if (!isId(entry.session?.id)) bad('session.id');
      if (!Number.isSafeInteger(entry.session.step) || entry.session.step < 0) bad('session.step');
    }
    if (!isId(entry.tool)) bad('tool');
    if (!isId(entry.kind)) bad('kind');
    if (!DECISIONS.includes(entry.decision)) bad('decision');
    if (!isStrings(entry.reason_codes)) bad('reason_codes');
    if ((entry.decision === 'deny' || entry.decision === 'escalate') && entry.reason_codes.length === 0)
      bad(`reason_codes (${entry.decision} needs one)`);
    if (!isStrings(entry.redacted_paths)) bad('redacted_paths');
    if (!isStrings(entry.detections)) bad('detections');
    if (entry.policy_revision !== null && !isId(entry.policy_revision)) bad('policy_revision');
    if (typeof entry.input_digest !== 'string' || !HEX64.test(entry.input_digest)) bad('input_digest');
    if (!Number.isSafeInteger(entry.latency_us) || entry.latency_us < 0) bad('latency_us');
    if (entry.phase !== undefined && entry.phase !== 'result') bad('phase');
    if (entry.parent_decision_id !== undefined && !isId(entry.parent_decision_id)) bad('parent_decision_id');
    if (
      entry.observed !== undefined &&
      (!['deny', 'redact', 'escalate'].includes(entry.observed.decision) || !isStrings(entry.observed.reason_codes))
    )
      bad('observed');
    if (typeof entry.data_flow !== 'object' || entry.data_flow === null) bad('data_flow');
    const resourceId = entry.data_flow.resource?.id;
    if (resourceId !== undefined && resourceId !== null && (typeof resourceId !== 'string' || resourceId.length > 1024))
      bad('data_flow.resource.id');
    const destinationId = entry.data_flow.destination?.id;
    if (
      destinationId !== undefined &&
      destinationId !== null &&
      (typeof destinationId !== 'string' || destinationId.length > 1024)
    )
      bad('data_flow.destination.id');
  } else if (entry.type === 'admin') {
    if (typeof entry.action !== 'string' || !ACTION.test(entry.action)) bad('action');
    if (!isId(entry.actor?.id)) bad('actor.id');
    if (entry.actor.auth !== null && !isId(entry.actor.auth)) bad('actor.auth');
    if (entry.target !== null && (!isId(entry.target?.kind) || !isId(entry.target.id))) bad('target');
    if (entry.outcome !== 'success' && entry.outcome !== 'failure') bad('outcome');
    if (entry.policy_revision !== null && !isId(entry.policy_revision)) bad('policy_revision');
    if (typeof entry.details !== 'object' || entry.details === null) bad('details');
    for (const value of Object.values(entry.details)) if (typeof value !== 'string') bad('details');
  } else {
    bad('type');
  }
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1024;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= 1024 && value.every((item) => typeof item === 'string');
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown, clip: { truncated: boolean }): unknown[] {
  if (!Array.isArray(value)) return [];
  if (value.length > MAX_ITEMS) clip.truncated = true;
  return value.slice(0, MAX_ITEMS);
}

function str(value: unknown, clip: { truncated: boolean }): string | null {
  if (typeof value !== 'string') return null;
  if (value.length > MAX_STRING) {
    clip.truncated = true;
    return value.slice(0, MAX_STRING);
  }
  return value;
}

function strings(value: unknown, clip: { truncated: boolean }): string[] {
  return asArray(value, clip)
    .map((item) => str(item, clip))
    .filter((item): item is string => item !== null);
}
