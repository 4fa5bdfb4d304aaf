/**
 * The trust rule, applied before the policy sees a request: every fact that could let data out
 * (a clearance, an audience, a classification) is replaced by the one regent owns, from the
 * catalogue (tool outputs, system defaults, the destination directory, the principal directory),
 * a verified token, or what the resource taint store saw. What the caller declared may only make
 * the decision stricter: labels are added, classifications are joined upward, audiences and
 * clearances are met downward. See docs/decisions/012-trust-boundary.md.
 */
import type { DecisionRequest } from '../decision/decision-request.ts';
import { rank, type Catalogue } from './catalogue.ts';

/** What the resource taint store holds for the resource a request reads. */
export interface ResourceTaint {
  readonly labels: readonly string[];
  readonly classification: string | null;
}

/** Facts about the request that only regent can supply (never read from the request body). */
export interface TrustedFacts {
  /** The principal in `agent.on_behalf_of` came from a verified token (src/identity). */
  readonly principalVerified?: boolean;
  /** What earlier writes left on the resource this request reads. */
  readonly taint?: ResourceTaint | undefined;
  /**
   * `result`: the tool's output on its way back to the agent (POST /v1/results). It goes to the
   * principal the agent acts for, so the destination is that principal, cleared by the directory.
   */
  readonly phase?: 'action' | 'result';
  /** A directory consulted before the catalogue's `principals` (the SCIM one, src/directory). */
  readonly directory?: PrincipalDirectory | undefined;
}

/** What a principal directory knows of one person. */
export interface DirectoryEntry {
  /** False once deactivated or deleted: nobody may act for them, and as a recipient they are outside. */
  readonly active: boolean;
  readonly clearance: string | null;
  /** Group names, cleared by the catalogue's `principals.groups` (the group -> clearance mapping). */
  readonly groups: readonly string[];
}

/** A principal directory besides the catalogue's file-based one; synchronous, in memory. */
export interface PrincipalDirectory {
  /** The person with this id, userName or e-mail; undefined when this directory does not know them. */
  lookup(id: string): DirectoryEntry | undefined;
}

/** Where a resolved fact came from, as the policy sees it in `input.trust`. */
export interface TrustNotes {
  principal?: {
    verified: boolean;
    clearance_source: 'directory' | 'request';
    declared_clearance: string | null;
    /** Present (false) only when the directory has deactivated or deleted the principal. */
    active?: false;
  };
  destination?: {
    id: string | null;
    audience_source: 'directory' | 'system_default' | 'default' | 'request' | 'recipients';
    declared_audience: string | null;
  };
  resource?: { catalogue_labels: string[]; tainted: boolean; declared_classification: string | null };
}

/** A request with trusted facts in place, and notes on where they came from. */
export interface Resolved {
  readonly request: DecisionRequest;
  readonly trust: TrustNotes;
}

/** The system whose tool the request calls, or the resource's. */
export function toolSystem(request: DecisionRequest, catalogue: Catalogue): string | null {
  return catalogue.tools.get(request.action.tool)?.system ?? request.action.resource?.system ?? null;
}

/** The resource a read takes data from (`system`, `id`), when it names one. */
export function readTarget(request: DecisionRequest, catalogue: Catalogue): { system: string; id: string } | null {
  if (request.action.kind !== 'read') return null;
  const id = request.action.resource?.id;
  const system = request.action.resource?.system ?? toolSystem(request, catalogue);
  return id === undefined || id === '' || system === null ? null : { system, id };
}

/** The resource a write or send puts data into (`system`, `id`), when it names one. */
export function writeTarget(request: DecisionRequest, catalogue: Catalogue): { system: string; id: string } | null {
  const kind = request.action.kind;
  if (kind !== 'write' && kind !== 'send') return null;
  const dest = request.data_flow?.destination;
  const id = dest?.id ?? request.action.resource?.id;
  const system = dest?.system ?? request.action.resource?.system ?? toolSystem(request, catalogue);
  return id === undefined || id === '' || system === null ? null : { system, id };
}

/** Applies the trust rule to a validated request. Pure: the same inputs give the same output. */
export function resolveRequest(request: DecisionRequest, catalogue: Catalogue, facts: TrustedFacts): Resolved {
  const trust: TrustNotes = {};
  const agent = resolvePrincipal(request, catalogue, facts, trust);
  const action = resolveResource(request, catalogue, facts, trust);
  const dataFlow =
    facts.phase === 'result'
      ? resultFlow(request, agent, catalogue, trust)
      : resolveFlow(request, catalogue, trust, facts.directory);
  const resolved: DecisionRequest = { ...request, agent, action };
  if (dataFlow !== undefined) resolved.data_flow = dataFlow;
  return { request: resolved, trust };
}

/** The directory's clearance for a person (by id or e-mail), with groups that count for them. */
export function directoryClearance(
  catalogue: Catalogue,
  id: string,
  extraGroups: readonly string[] = [],
  directory?: PrincipalDirectory,
): { clearance: string; groups: string[]; known: boolean; active?: false } {
  // The provisioned directory first: a person it knows is judged by it alone, and one it has
  // deactivated or deleted is nobody's principal and an outsider as a recipient.
  const scim = directory?.lookup(id);
  if (scim?.active === false) return { clearance: catalogue.defaultClearance, groups: [], known: true, active: false };
  const userId = catalogue.users.has(id) ? id : catalogue.usersByEmail.get(id.toLowerCase());
  const user =
    scim !== undefined
      ? {
          clearance: scim.clearance !== null && Object.hasOwn(catalogue.ranks, scim.clearance) ? scim.clearance : null,
          groups: scim.groups,
        }
      : userId === undefined
        ? undefined
        : catalogue.users.get(userId);
  const groups = [...new Set([...(user?.groups ?? []), ...extraGroups])].sort();
  const candidates: string[] = [];
  if (user?.clearance !== null && user?.clearance !== undefined) candidates.push(user.clearance);
  for (const g of groups) {
    const c = catalogue.groups.get(g);
    if (c !== null && c !== undefined) candidates.push(c);
  }
  if (user === undefined && candidates.length === 0) {
    const domain = id.includes('@') ? id.slice(id.lastIndexOf('@') + 1).toLowerCase() : null;
    const internal = domain !== null && catalogue.internalDomains.has(domain);
    return { clearance: internal ? catalogue.internalClearance : catalogue.defaultClearance, groups, known: false };
  }
  // The highest of a user's own and their groups' clearances; an unknown name ranks highest,
  // which the configuration check refuses before a revision serves.
  const best = candidates.reduce<string>(
    (a, b) => (rank(catalogue.ranks, b) > rank(catalogue.ranks, a) ? b : a),
    catalogue.defaultClearance,
  );
  return { clearance: best, groups, known: true };
}

function lower(catalogue: Catalogue, a: string, b: string | undefined): string {
  if (b === undefined) return a;
  return rank(catalogue.ranks, b) < rank(catalogue.ranks, a) ? b : a;
}

function higher(catalogue: Catalogue, names: readonly (string | null | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const n of names) {
    if (n === null || n === undefined) continue;
    if (best === undefined || rank(catalogue.ranks, n) > rank(catalogue.ranks, best)) best = n;
  }
  return best;
}

function resolvePrincipal(
  request: DecisionRequest,
  catalogue: Catalogue,
  facts: TrustedFacts,
  trust: TrustNotes,
): DecisionRequest['agent'] {
  const principal = request.agent.on_behalf_of;
  if (principal === undefined) return request.agent;
  const verified = facts.principalVerified === true;
  // Groups only count when a verified token states them; a caller's list is a hint and is dropped.
  const dir = directoryClearance(catalogue, principal.id, verified ? (principal.groups ?? []) : [], facts.directory);
  const clearance = lower(catalogue, dir.clearance, principal.clearance);
  trust.principal = {
    verified,
    clearance_source: clearance === dir.clearance ? 'directory' : 'request',
    declared_clearance: principal.clearance ?? null,
    ...(dir.active === false ? { active: false as const } : {}),
  };
  return { ...request.agent, on_behalf_of: { id: principal.id, groups: dir.groups, clearance } };
}

function resolveResource(
  request: DecisionRequest,
  catalogue: Catalogue,
  facts: TrustedFacts,
  trust: TrustNotes,
): DecisionRequest['action'] {
  const action = request.action;
  if (action.kind !== 'read') return action;
  const tool = catalogue.tools.get(action.tool);
  const resource = action.resource ?? {};
  const system = resource.system ?? tool?.system ?? undefined;
  const returns = tool?.returns ?? { labels: [], classification: null };
  const taint = facts.taint;
  const labels = [...new Set([...(resource.labels ?? []), ...returns.labels, ...(taint?.labels ?? [])])].sort();
  const classification = higher(catalogue, [
    resource.classification,
    returns.classification,
    system === undefined ? undefined : catalogue.systemClassification.get(system),
    taint?.classification,
  ]);
  trust.resource = {
    catalogue_labels: [...returns.labels],
    tainted: taint !== undefined && (taint.labels.length > 0 || taint.classification !== null),
    declared_classification: resource.classification ?? null,
  };
  const out: NonNullable<DecisionRequest['action']['resource']> = { ...resource };
  if (system !== undefined) out.system = system;
  if (labels.length > 0) out.labels = labels;
  if (classification !== undefined) out.classification = classification;
  return { ...action, resource: out };
}

function resolveFlow(
  request: DecisionRequest,
  catalogue: Catalogue,
  trust: TrustNotes,
  directory: PrincipalDirectory | undefined,
): DecisionRequest['data_flow'] {
  const flow = request.data_flow;
  const sources = flow?.sources?.map((s) => {
    const classification = higher(catalogue, [s.classification, catalogue.systemClassification.get(s.system)]);
    return classification === undefined ? s : { ...s, classification };
  });
  const kind = request.action.kind;
  const declared = flow?.destination;
  const checked = declared !== undefined || kind === 'send' || kind === 'write';
  if (!checked) {
    if (flow === undefined) return undefined;
    return sources === undefined ? flow : { ...flow, sources };
  }
  const target = writeTarget(request, catalogue);
  const system = declared?.system ?? request.action.resource?.system ?? toolSystem(request, catalogue) ?? undefined;
  const id = declared?.id ?? target?.id;
  const recipients = declared?.recipients?.map((r) => {
    const dir = directoryClearance(catalogue, r.id, [], directory);
    return { id: r.id, clearance: lower(catalogue, dir.clearance, r.clearance) };
  });
  const byRecipients = recipients !== undefined && recipients.length > 0;

  // A system addressed by recipients (e-mail) is judged by them alone; any other destination by
  // the directory's audience for its id, else the system's default, else the most restrictive.
  let audience: string | undefined;
  let source: NonNullable<TrustNotes['destination']>['audience_source'] = 'recipients';
  const systemEntry = system === undefined ? undefined : catalogue.destinations.get(system);
  if (systemEntry?.byRecipients === true && byRecipients) {
    audience = undefined;
  } else if (id !== undefined && systemEntry?.entries.has(id) === true) {
    audience = systemEntry.entries.get(id);
    source = 'directory';
  } else if (systemEntry?.defaultAudience !== null && systemEntry?.defaultAudience !== undefined) {
    audience = systemEntry.defaultAudience;
    source = 'system_default';
  } else {
    audience = catalogue.defaultAudience;
    source = 'default';
  }
  // A declared audience may only narrow: the one with the lower clearance wins.
  if (declared?.audience !== undefined) {
    const clearanceOf = (a: string) => catalogue.audiences.get(a) ?? null;
    if (audience === undefined) {
      audience = declared.audience;
      source = 'request';
    } else if (clearanceOf(declared.audience) === null) {
      // An unknown declared audience is kept so the policy denies it by name.
      audience = declared.audience;
      source = 'request';
    } else if (rank(catalogue.ranks, clearanceOf(declared.audience)) < rank(catalogue.ranks, clearanceOf(audience))) {
      audience = declared.audience;
      source = 'request';
    }
  }
  trust.destination = { id: id ?? null, audience_source: source, declared_audience: declared?.audience ?? null };
  const destination: NonNullable<NonNullable<DecisionRequest['data_flow']>['destination']> = {};
  if (system !== undefined) destination.system = system;
  if (id !== undefined) destination.id = id;
  if (audience !== undefined) destination.audience = audience;
  if (recipients !== undefined) destination.recipients = recipients;
  const out: NonNullable<DecisionRequest['data_flow']> = { ...(flow ?? {}), destination };
  if (sources !== undefined) out.sources = sources;
  return out;
}

/**
 * The result phase's flow: the output goes to the agent, for its principal. With a principal,
 * the destination is that principal, cleared by the directory (already resolved in `agent`), so
 * the policy redacts what they may not see; without one there is no destination to check.
 */
function resultFlow(
  request: DecisionRequest,
  agent: DecisionRequest['agent'],
  catalogue: Catalogue,
  trust: TrustNotes,
): DecisionRequest['data_flow'] {
  const principal = agent.on_behalf_of;
  const system = toolSystem(request, catalogue);
  if (principal === undefined || system === null) return undefined;
  trust.destination = { id: null, audience_source: 'recipients', declared_audience: null };
  return {
    destination: {
      system,
      recipients: [
        { id: principal.id, ...(principal.clearance === undefined ? {} : { clearance: principal.clearance }) },
      ],
    },
  };
}
