/**
 * The catalogue: the facts regent owns about a company, read from the policy data
 * (`data.regent.config` in the bundle, so it is versioned, signed and hot-reloaded with the
 * policy). Tools say what their output carries, systems their default classification,
 * destinations their audience, and the directory each principal's clearance. These are the facts
 * that may let data out; what a caller declares may only make a decision stricter
 * (docs/decisions/012-trust-boundary.md).
 *
 * Parsed once per revision (the data object never changes) and kept in a WeakMap.
 */

/** What a tool's output carries, whatever the caller declares. */
export interface ToolReturns {
  readonly labels: readonly string[];
  readonly classification: string | null;
}

/** A user in the directory. */
export interface DirectoryUser {
  readonly clearance: string | null;
  readonly groups: readonly string[];
  readonly email: string | null;
}

/** The parsed catalogue of one revision. */
export interface Catalogue {
  /** Classification name -> rank. */
  readonly ranks: Readonly<Record<string, number>>;
  /** Lowest classification name (the default for anything unknown that may receive data). */
  readonly lowest: string;
  /** Tool -> its system and what its output carries. */
  readonly tools: ReadonlyMap<string, { system: string | null; returns: ToolReturns }>;
  /** System -> default classification of its data. */
  readonly systemClassification: ReadonlyMap<string, string>;
  /** Label -> classification. */
  readonly labelClassification: ReadonlyMap<string, string>;
  /** Detector type -> the label its findings carry (personal types). */
  readonly detectorLabels: ReadonlyMap<string, string>;
  /** Audience -> clearance. */
  readonly audiences: ReadonlyMap<string, string>;
  /** Audience for any destination the directory does not list (the most restrictive by default). */
  readonly defaultAudience: string;
  /**
   * System -> its destinations: the audience of each listed id, the default for unlisted ones, and
   * whether it is addressed by recipients (e-mail: judged by each recipient's directory clearance).
   */
  readonly destinations: ReadonlyMap<
    string,
    { defaultAudience: string | null; entries: ReadonlyMap<string, string>; byRecipients: boolean }
  >;
  /** E-mail domains that belong to the company (lower case). */
  readonly internalDomains: ReadonlySet<string>;
  readonly users: ReadonlyMap<string, DirectoryUser>;
  /** Lower-cased e-mail -> user id. */
  readonly usersByEmail: ReadonlyMap<string, string>;
  readonly groups: ReadonlyMap<string, string | null>;
  /** Clearance of a principal or recipient the directory does not know. */
  readonly defaultClearance: string;
  /** Clearance of an unknown address in an internal domain. */
  readonly internalClearance: string;
  /**
   * Agent id -> the callers (token ids, client certificate CNs) that may decide for it, for each
   * agent whose registry entry names `callers`; an agent without the key may be named by any
   * caller with the `decide` scope. A malformed list names nobody (fail closed).
   */
  readonly agentCallers: ReadonlyMap<string, ReadonlySet<string>>;
}

const DEFAULT_RANKS: Readonly<Record<string, number>> = { public: 0, internal: 1, confidential: 2, restricted: 3 };

const byData = new WeakMap<object, Catalogue>();

/** The catalogue of a revision's data (parsed once per data object). */
export function catalogueOf(data: Record<string, unknown>): Catalogue {
  let catalogue = byData.get(data);
  if (catalogue === undefined) {
    catalogue = parseCatalogue(configOf(data));
    byData.set(data, catalogue);
  }
  return catalogue;
}

/** `data.regent.config`, or an empty object. */
export function configOf(data: Record<string, unknown>): Record<string, unknown> {
  return record(record(data['regent'])['config']);
}

function parseCatalogue(config: Record<string, unknown>): Catalogue {
  const ranks = readRanks(config['classifications']);
  const lowest = Object.entries(ranks).sort((a, b) => a[1] - b[1])[0]?.[0] ?? 'public';

  const tools = new Map<string, { system: string | null; returns: ToolReturns }>();
  for (const [name, spec] of Object.entries(record(config['tools']))) {
    const s = record(spec);
    const returns = record(s['returns']);
    tools.set(name, {
      system: str(s['system']),
      returns: { labels: strings(returns['labels']), classification: str(returns['classification']) },
    });
  }
  const systemClassification = new Map<string, string>();
  for (const [name, spec] of Object.entries(record(config['systems']))) {
    const c = str(record(spec)['classification']);
    if (c !== null) systemClassification.set(name, c);
  }
  const labelClassification = new Map<string, string>();
  for (const [name, spec] of Object.entries(record(config['labels']))) {
    const c = str(record(spec)['classification']);
    if (c !== null) labelClassification.set(name, c);
  }
  const detectorLabels = new Map<string, string>();
  for (const [type, spec] of Object.entries(record(record(config['detectors'])['types']))) {
    const label = str(record(spec)['label']);
    if (label !== null) detectorLabels.set(type, label);
  }
  const audiences = new Map<string, string>();
  for (const [name, spec] of Object.entries(record(config['audiences']))) {
    const c = str(record(spec)['clearance']);
    if (c !== null) audiences.set(name, c);
  }
  const dests = record(config['destinations']);
  const destinations = new Map<
    string,
    { defaultAudience: string | null; entries: Map<string, string>; byRecipients: boolean }
  >();
  for (const [system, spec] of Object.entries(record(dests['systems']))) {
    const s = record(spec);
    const entries = new Map<string, string>();
    for (const [id, audience] of Object.entries(record(s['entries']))) {
      const a = str(audience);
      if (a !== null) entries.set(id, a);
    }
    destinations.set(system, {
      defaultAudience: str(s['default_audience']),
      entries,
      byRecipients: s['addressed_by'] === 'recipients',
    });
  }
  const lowestAudience = [...audiences.entries()].sort((a, b) => rank(ranks, a[1]) - rank(ranks, b[1]))[0]?.[0];
  const defaultAudience = str(dests['default_audience']) ?? lowestAudience ?? 'public';

  const principals = record(config['principals']);
  const agentCallers = new Map<string, ReadonlySet<string>>();
  for (const [id, spec] of Object.entries(record(config['agents']))) {
    const s = record(spec);
    if (Object.hasOwn(s, 'callers'))
      agentCallers.set(id, new Set(Array.isArray(s['callers']) ? strings(s['callers']) : []));
  }
  const users = new Map<string, DirectoryUser>();
  const usersByEmail = new Map<string, string>();
  for (const [id, spec] of Object.entries(record(principals['users']))) {
    const u = record(spec);
    const email = str(u['email'])?.toLowerCase() ?? null;
    users.set(id, { clearance: str(u['clearance']), groups: strings(u['groups']), email });
    if (email !== null) usersByEmail.set(email, id);
  }
  const groups = new Map<string, string | null>();
  for (const [id, spec] of Object.entries(record(principals['groups']))) groups.set(id, str(record(spec)['clearance']));

  return {
    ranks,
    lowest,
    tools,
    systemClassification,
    labelClassification,
    detectorLabels,
    audiences,
    defaultAudience,
    destinations,
    internalDomains: new Set(strings(config['internal_domains']).map((d) => d.toLowerCase())),
    users,
    usersByEmail,
    groups,
    defaultClearance: str(principals['default_clearance']) ?? lowest,
    internalClearance: str(principals['internal_clearance']) ?? str(principals['default_clearance']) ?? lowest,
    agentCallers,
  };
}

/** Rank of a classification; unknown names rank above everything (the safe side for data). */
export function rank(ranks: Readonly<Record<string, number>>, name: string | null | undefined): number {
  if (name === null || name === undefined) return -Infinity;
  return Object.hasOwn(ranks, name) ? (ranks[name] as number) : Infinity;
}

function readRanks(raw: unknown): Record<string, number> {
  const ranks: Record<string, number> = {};
  for (const [name, r] of Object.entries(record(raw))) {
    if (typeof r === 'number') ranks[name] = r;
    else if (typeof record(r)['rank'] === 'number') ranks[name] = record(r)['rank'] as number;
  }
  return Object.keys(ranks).length > 0 ? ranks : { ...DEFAULT_RANKS };
}

function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

function str(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}
