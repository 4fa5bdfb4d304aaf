/**
 * The catalogue's integrity facts (docs/decisions/016-integrity-taint.md): which tool outputs
 * (or which fields of them) come from sources nobody vouches for, which actions are
 * consequential and which of their arguments decide them, and which values the configuration
 * itself vouches for. Read from `data.regent.config` like the rest of the catalogue, once per
 * revision.
 */
import { configOf } from '../catalogue/catalogue.ts';
import { candidates, hashCandidate } from './values.ts';

/** How a tool's output is trusted: wholly, not at all, or all but some fields. */
export type OutputIntegrity =
  | { readonly kind: 'trusted' }
  | { readonly kind: 'untrusted' }
  | {
      readonly kind: 'fields';
      readonly untrusted: readonly string[];
      /** A member of the object holding an untrusted field that names its author; a vouched-for author makes it trusted. */
      readonly author: string | null;
    };

/** A consequential tool: its decisive arguments (JSON pointers under /payload/, `*` for any key). */
export interface Consequential {
  readonly arguments: readonly string[];
}

/** The integrity part of one revision's catalogue. */
export interface IntegrityCatalogue {
  /** Tool -> how its output is trusted (tools.<t>.returns.integrity, else its system's, else trusted). */
  outputOf(tool: string): OutputIntegrity;
  /** Tool -> its consequential settings, when it has any. */
  readonly consequential: ReadonlyMap<string, Consequential>;
  /** Hashes of every value the configuration vouches for (directory, destinations, integrity.trusted_values). */
  readonly configured: ReadonlySet<string>;
  /** Whether the configuration vouches for a value: listed, or an address in one of internal_domains. */
  vouches(value: unknown): boolean;
}

const byData = new WeakMap<object, IntegrityCatalogue>();

/** The integrity catalogue of a revision's data (parsed once per data object). */
export function integrityCatalogueOf(data: Record<string, unknown>): IntegrityCatalogue {
  let parsed = byData.get(data);
  if (parsed === undefined) {
    parsed = parse(configOf(data));
    byData.set(data, parsed);
  }
  return parsed;
}

function parse(config: Record<string, unknown>): IntegrityCatalogue {
  const systems = new Map<string, OutputIntegrity>();
  for (const [name, spec] of Object.entries(record(config['systems']))) {
    const i = outputIntegrity(record(spec)['integrity']);
    if (i !== null) systems.set(name, i);
  }
  const tools = new Map<string, OutputIntegrity>();
  const consequential = new Map<string, Consequential>();
  for (const [name, spec] of Object.entries(record(config['tools']))) {
    const s = record(spec);
    const own = outputIntegrity(record(s['returns'])['integrity']);
    const system = typeof s['system'] === 'string' ? s['system'] : null;
    const inherited = system === null ? undefined : systems.get(system);
    const resolved = own ?? inherited;
    if (resolved !== undefined) tools.set(name, resolved);
    if (s['consequential'] !== undefined) {
      consequential.set(name, { arguments: strings(record(s['consequential'])['arguments']) });
    }
  }
  const configured = new Set<string>();
  const vouch = (v: unknown) => {
    for (const c of candidates(v)) configured.add(hashCandidate(c));
  };
  for (const v of strings(record(config['integrity'])['trusted_values'])) vouch(v);
  for (const [id, spec] of Object.entries(record(record(config['principals'])['users']))) {
    vouch(id);
    vouch(record(spec)['email']);
  }
  for (const spec of Object.values(record(record(config['destinations'])['systems']))) {
    for (const id of Object.keys(record(record(spec)['entries']))) vouch(id);
  }
  const domains = new Set(strings(config['internal_domains']).map((d) => d.toLowerCase()));
  const trusted: OutputIntegrity = { kind: 'trusted' };
  return {
    outputOf: (tool) => tools.get(tool) ?? trusted,
    consequential,
    configured,
    vouches: (value) => {
      if (typeof value !== 'string') return false;
      const whole = candidates(value)[0];
      if (whole !== undefined && configured.has(hashCandidate(whole))) return true;
      const at = value.trim().lastIndexOf('@');
      return (
        at > 0 &&
        domains.has(
          value
            .trim()
            .slice(at + 1)
            .toLowerCase(),
        )
      );
    },
  };
}

function outputIntegrity(raw: unknown): OutputIntegrity | null {
  if (raw === 'trusted') return { kind: 'trusted' };
  if (raw === 'untrusted') return { kind: 'untrusted' };
  const untrusted = strings(record(raw)['untrusted']);
  const author = record(raw)['author'];
  return untrusted.length > 0
    ? { kind: 'fields', untrusted, author: typeof author === 'string' && author !== '' ? author : null }
    : null;
}

function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}
