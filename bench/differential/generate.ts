/**
 * Generates resolved policy inputs for the differential (bench/differential.ts): the shape regent
 * hands the policy after the trust rule, with session, activity, detector findings and trust
 * notes filled in as regent would. Values come from the shipped catalogue (data.json) most of
 * the time and from outside it some of the time, so unregistered agents, tools, systems, labels
 * and people are covered too. Deterministic for a seed (mulberry32).
 */

type Obj = Record<string, unknown>;

/** A seeded generator of choices. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  /** A random subset (possibly empty), in the list's order. */
  some<T>(xs: readonly T[], p = 0.3): T[] {
    return xs.filter(() => this.chance(p));
  }
}

const KINDS = ['read', 'write', 'send', 'delete', 'execute'];
const TIMES = ['2026-11-23T10:00:00Z', '2020-01-01T00:00:00Z', '2099-06-01T00:00:00Z', '2026-12-01T08:30:00Z'];

function keys(data: Obj, name: string): string[] {
  return Object.keys(data[name] ?? {});
}

/** `count` distinct inputs (JSON text), generated from `seed`. */
export function generateInputs(data: Obj, count: number, seed: number): string[] {
  const rng = new Rng(seed);
  const agents = data['agents'] as Record<string, { roles: string[] }>;
  const tools = data['tools'] as Record<string, { system: string; kinds: string[] }>;
  const users = (data['principals'] as { users: Record<string, { groups: string[]; email: string }> }).users;
  const groups = Object.keys((data['principals'] as { groups: Obj }).groups);
  const classifications = keys(data, 'classifications');
  const audiences = keys(data, 'audiences');
  const systems = [...keys(data, 'systems'), 'unlisted-system'];
  const listedLabels = keys(data, 'labels');
  const labels = [...listedLabels, 'unlisted-label'];
  const roleTools = data['roles'] as Record<string, { tools: string[] }>;
  const roles = [...Object.keys(roleTools), 'admin'];
  const detectorTypes = [...Object.keys((data['detectors'] as { types: Obj }).types), 'unlisted-detector'];
  const knownFields = Object.values(data['known_fields'] as Record<string, Obj>).flatMap((f) => Object.keys(f));
  const fieldPaths = [...knownFields, '/payload/text', '/payload/notes', '/payload/employees/0/salary'];
  const destinations = (data['destinations'] as { systems: Record<string, { entries?: Obj }> }).systems;
  const entries = Object.entries(destinations).flatMap(([system, d]) =>
    Object.keys(d.entries ?? {}).map((id) => ({ system, id })),
  );
  const ruleTools = ['email.forward', 'vault.delete_secret', 'unlisted.tool'];
  const toolNames = [...Object.keys(tools), ...ruleTools];
  const agentIds = [...Object.keys(agents), 'unlisted-agent'];
  const people = [...Object.keys(users), 'mallory'];
  const emails = [...Object.values(users).map((u) => u.email), 'dave@example.com', 'eve@partner.org'];

  const counters = (): Obj => ({
    window_seconds: 300,
    actions: rng.int(0, 30),
    // Mostly below the shipped thresholds (3 denials, 5 restricted reads), sometimes at or past them.
    denials: rng.chance(0.8) ? rng.int(0, 2) : rng.int(3, 12),
    faults: rng.int(0, 3),
    restricted_reads: rng.chance(0.8) ? rng.int(0, 4) : rng.int(5, 8),
    distinct_systems: rng.int(0, 6),
    bytes_out: rng.pick([0, 512, 1_000_000]),
  });

  const one = (): Obj => {
    const agentId = rng.chance(0.9) ? rng.pick(Object.keys(agents)) : rng.pick(agentIds);
    const agent: Obj = { id: agentId };
    const held = agents[agentId]?.roles ?? [];
    if (rng.chance(0.4)) agent['roles'] = rng.chance(0.8) ? rng.some(held, 0.6) : rng.some(roles);
    let principal: string | undefined;
    if (rng.chance(0.6)) {
      principal = rng.pick(people);
      const obo: Obj = { id: principal };
      if (rng.chance(0.7)) obo['groups'] = rng.chance(0.7) ? (users[principal]?.groups ?? []) : rng.some(groups);
      if (rng.chance(0.7)) obo['clearance'] = rng.pick(classifications);
      agent['on_behalf_of'] = obo;
    }
    // Mostly a tool one of the agent's roles grants, so allows and redactions are common too.
    const granted = held.flatMap((r) => roleTools[r]?.tools ?? []);
    const tool =
      granted.length > 0 && rng.chance(0.75)
        ? rng.pick(granted)
        : rng.chance(0.9)
          ? rng.pick(Object.keys(tools))
          : rng.pick(toolNames);
    const toolSystem = tools[tool]?.system ?? tool.split('.')[0] ?? 'unlisted-system';
    const kind = rng.chance(0.8) ? rng.pick(tools[tool]?.kinds ?? KINDS) : rng.pick(KINDS);
    const action: Obj = { tool, kind };
    if (rng.chance(0.5)) {
      const entry = rng.chance(0.4) ? rng.pick(entries) : undefined;
      const resource: Obj = { system: entry?.system ?? (rng.chance(0.95) ? toolSystem : rng.pick(systems)) };
      if (rng.chance(0.7)) resource['id'] = entry?.id ?? `res-${rng.int(0, 9)}`;
      if (rng.chance(0.6)) resource['labels'] = rng.some(rng.chance(0.9) ? listedLabels : labels, 0.2);
      if (rng.chance(0.6)) resource['classification'] = rng.pick(classifications);
      action['resource'] = resource;
    }
    const input: Obj = { agent, action };

    if (rng.chance(0.7)) {
      const flow: Obj = {
        sources: Array.from({ length: rng.int(0, 3) }, () => {
          const s: Obj = { system: rng.pick(systems) };
          if (rng.chance(0.7)) s['labels'] = rng.some(rng.chance(0.9) ? listedLabels : labels, 0.2);
          if (rng.chance(0.7)) s['classification'] = rng.pick(classifications);
          return s;
        }),
      };
      if (rng.chance(0.85)) {
        const entry = rng.chance(0.4) ? rng.pick(entries) : undefined;
        const dest: Obj = { system: entry?.system ?? (rng.chance(0.7) ? toolSystem : rng.pick(systems)) };
        if (entry !== undefined) dest['id'] = entry.id;
        if (rng.chance(0.5)) dest['audience'] = rng.chance(0.9) ? rng.pick(audiences) : 'unlisted-audience';
        else if (rng.chance(0.7))
          dest['recipients'] = Array.from({ length: rng.int(1, 3) }, () => {
            const r: Obj = rng.chance(0.5) ? { id: rng.pick(people) } : { email: rng.pick(emails) };
            if (rng.chance(0.6)) r['clearance'] = rng.pick(classifications);
            return r;
          });
        flow['destination'] = dest;
      }
      if (rng.chance(0.4))
        flow['fields'] = Array.from({ length: rng.int(1, 3) }, () => ({
          path: rng.pick(fieldPaths),
          labels: rng.some(rng.chance(0.9) ? listedLabels : labels, 0.25),
        }));
      input['data_flow'] = flow;
    }

    if (rng.chance(0.7)) {
      const payload: Obj = {};
      if (rng.chance(0.5)) payload['text'] = rng.pick(['hello', 'see attached', 'numbers inside']);
      if (rng.chance(0.3)) payload['salary'] = rng.int(50_000, 200_000);
      if (rng.chance(0.2)) payload['ssn'] = '000-00-0000';
      if (rng.chance(0.3))
        payload['employees'] = Array.from({ length: rng.int(1, 3) }, () => ({ name: 'x', salary: rng.int(1, 9) }));
      if (rng.chance(0.2))
        payload['contacts'] = [{ email: 'c@example.org', phone: '+1 555 0100' }].slice(0, rng.int(0, 1));
      if (rng.chance(0.15)) payload['records'] = Array.from({ length: rng.pick([1, 50, 150]) }, (_, i) => ({ i }));
      if (rng.chance(0.1)) payload['key'] = { created_at: rng.pick(TIMES), rotated_at: rng.pick(TIMES) };
      input['payload'] = payload;
    }

    if (rng.chance(0.6)) {
      const session: Obj = {
        id: `sess-${rng.int(0, 99)}`,
        labels: rng.some(rng.chance(0.9) ? listedLabels : labels, 0.2),
        systems: rng.some(systems, 0.2),
        classification: rng.chance(0.8) ? rng.pick(classifications) : null,
        steps: rng.int(0, 40),
        first_seen: rng.pick(TIMES),
        last_seen: rng.pick(TIMES),
      };
      input['session'] = session;
    }

    const detected = Array.from({ length: rng.chance(0.5) ? rng.int(1, 3) : 0 }, () => {
      const d: Obj = {
        type: rng.pick(detectorTypes),
        path: rng.pick(['/payload/text', '/payload/notes', '/payload/key']),
      };
      if (rng.chance(0.15)) {
        d['path'] = '/payload/config/AKIAEXAMPLE';
        d['in'] = 'key';
      }
      return d;
    });
    input['detected'] = detected;
    input['detection'] = { complete: rng.chance(0.9) };

    const activity: Obj = { agent: counters() };
    if (input['session'] !== undefined) activity['session'] = counters();
    if (principal !== undefined) activity['principal'] = counters();
    input['activity'] = activity;

    if (rng.chance(0.6)) {
      const trust: Obj = {};
      if (principal !== undefined)
        trust['principal'] = {
          verified: rng.chance(0.5),
          clearance_source: rng.pick(['directory', 'request']),
          declared_clearance: rng.chance(0.5) ? rng.pick(classifications) : null,
        };
      if (rng.chance(0.6))
        trust['destination'] = {
          id: rng.chance(0.5) ? `dest-${rng.int(0, 3)}` : null,
          audience_source: rng.pick(['directory', 'system_default', 'default', 'request', 'recipients']),
          declared_audience: rng.chance(0.5) ? rng.pick(audiences) : null,
        };
      if (rng.chance(0.5))
        trust['resource'] = {
          catalogue_labels: rng.some(rng.chance(0.9) ? listedLabels : labels, 0.2),
          tainted: rng.chance(0.3),
          declared_classification: rng.chance(0.5) ? rng.pick(classifications) : null,
        };
      input['trust'] = trust;
    }

    const context: Obj = {};
    if (rng.chance(0.15)) context['record_count'] = rng.pick([5, 100, 101, 5000]);
    if (rng.chance(0.1)) context['key'] = { created_at: rng.pick(TIMES) };
    input['context'] = context;
    return input;
  };

  const seen = new Set<string>();
  for (let attempts = 0; seen.size < count && attempts < count * 10; attempts++) seen.add(JSON.stringify(one()));
  return [...seen];
}
