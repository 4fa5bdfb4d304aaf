/**
 * The parts of the active configuration (rego/regent/config/data.json) a draft reads, typed
 * loosely: a draft must not fail on keys it does not know.
 */

/** The configuration keys a draft reads. */
export interface CatalogueView {
  classifications: Record<string, number>;
  audiences: Record<string, { clearance: string }>;
  agents: Record<string, { roles?: string[] }>;
  roles: Record<string, { tools?: string[] }>;
  tools: Record<
    string,
    { system?: string; kinds?: string[]; returns?: { labels?: string[]; classification?: string } }
  >;
  systems: Record<string, unknown>;
  labels: Record<string, { classification?: string }>;
  destinations?: {
    systems?: Record<string, { addressed_by?: string; entries?: Record<string, string> }>;
  };
  activity?: { restricted_read_burst?: { classification?: string; max_reads?: number } };
}

/** Reads the keys a draft needs from a parsed data.json, with empty defaults. */
export function catalogueView(config: unknown): CatalogueView {
  const c = (config ?? {}) as Partial<CatalogueView>;
  return {
    classifications: c.classifications ?? {},
    audiences: c.audiences ?? {},
    agents: c.agents ?? {},
    roles: c.roles ?? {},
    tools: c.tools ?? {},
    systems: c.systems ?? {},
    labels: c.labels ?? {},
    ...(c.destinations === undefined ? {} : { destinations: c.destinations }),
    ...(c.activity === undefined ? {} : { activity: c.activity }),
  };
}

/** The tools an agent holds through its roles, each with the roles that grant it. */
export function grantedTools(view: CatalogueView, agent: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const role of view.agents[agent]?.roles ?? [])
    for (const tool of view.roles[role]?.tools ?? []) out.set(tool, [...(out.get(tool) ?? []), role]);
  return out;
}

/** Rank of what a record's resource carries: its classification joined with its labels'. */
export function resourceRank(
  view: CatalogueView,
  resource: { labels: string[]; classification: string | null } | null,
): number {
  if (resource === null) return -1;
  const ranks = resource.labels.map((l) => view.classifications[view.labels[l]?.classification ?? ''] ?? -1);
  ranks.push(view.classifications[resource.classification ?? ''] ?? -1);
  return Math.max(...ranks);
}
