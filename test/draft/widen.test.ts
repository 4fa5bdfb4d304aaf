/**
 * `regent draft --widen reads`, the rule: from records in the trail's shape and a small
 * catalogue, what the widening may grant beyond observation (a read-only tool of a system the
 * agent was seen reading with an allowed read, declaring nothing beyond those reads) and what it
 * must never grant (a write of that system, a read of a system not read, anything without the
 * option). The real CLI on a real trail, with the configuration check, is in draft.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDraft, type AgentDraft, type DraftOptions } from '../../src/draft/draft.ts';
import type { Json } from '../../src/draft/merge-patch.ts';
import type { Gap, ObservedRecord } from '../../src/draft/source.ts';
import { formatSummary } from '../../src/draft/summary.ts';

const AGENT = 'helper';

/** A catalogue: two systems of reads and writes, one the agent never touches. */
const CONFIG = {
  classifications: { public: 0, internal: 1, restricted: 2 },
  labels: { pii: { classification: 'restricted' }, payroll: { classification: 'restricted' } },
  audiences: {},
  systems: { files: {}, crm: {}, wiki: {} },
  agents: { [AGENT]: { roles: [] } },
  roles: {},
  tools: {
    'files.read': { system: 'files', kinds: ['read'] },
    'files.list': { system: 'files', kinds: ['read'] },
    'files.search': { system: 'files', kinds: ['read'] },
    'files.read_payroll': { system: 'files', kinds: ['read'], returns: { labels: ['payroll'] } },
    'files.read_secret': { system: 'files', kinds: ['read'], returns: { classification: 'restricted' } },
    'files.sync': { system: 'files', kinds: ['read', 'write'] },
    'files.write': { system: 'files', kinds: ['write'] },
    'files.share': { system: 'files', kinds: ['send'] },
    'files.delete': { system: 'files', kinds: ['delete'] },
    'crm.update': { system: 'crm', kinds: ['write'] },
    'crm.lookup': { system: 'crm', kinds: ['read'] },
    'crm.contact': { system: 'crm', kinds: ['read'], returns: { labels: ['pii'] } },
    'wiki.read': { system: 'wiki', kinds: ['read'] },
  },
} satisfies Json;

let seq = 0;

/** One decision record of `AGENT`, in the trail's shape. */
function rec(
  tool: string,
  kind: string,
  extra: { decision?: 'allow' | 'deny'; system?: string; gaps?: Gap[]; time?: string } = {},
): ObservedRecord {
  seq += 1;
  return {
    decision_id: `d-${seq}`,
    time: extra.time ?? `2026-12-07T10:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    agent: { id: AGENT, on_behalf_of: null },
    session: null,
    tool,
    kind,
    decision: extra.decision ?? 'allow',
    reason_codes: extra.decision === 'deny' ? ['tool.not_allowed'] : [],
    data_flow: {
      resource: { system: extra.system ?? tool.split('.')[0] ?? null, id: 'x', labels: [], classification: null },
      sources: [],
      destination: null,
    },
    ...(extra.gaps === undefined ? {} : { gaps: extra.gaps }),
  };
}

const OPTIONS: DraftOptions = { headroom: 0.5, windowSeconds: 300, agent: AGENT };

function drafted(records: ObservedRecord[], widen = true) {
  const draft = buildDraft(records, CONFIG, widen ? { ...OPTIONS, widen: ['reads'] } : OPTIONS);
  const agent = draft.agents.find((a) => a.agent === AGENT) as AgentDraft;
  const roles = draft.fragment['roles'] as Record<string, { tools: string[]; description?: string }>;
  return { draft, agent, roles, widened: agent.beyond_observation.map((g) => g.tool) };
}

describe('regent draft --widen reads', () => {
  it('grants the unobserved read-only tools of a system the agent was seen reading, in a role of their own', () => {
    const { draft, roles, widened } = drafted([rec('files.read', 'read'), rec('files.read', 'read')]);
    assert.deepEqual(widened, ['files.list', 'files.search']);
    assert.deepEqual(roles[`${AGENT}-observed`]?.tools, ['files.read']);
    assert.deepEqual(roles[`${AGENT}-widened-reads`]?.tools, ['files.list', 'files.search']);
    assert.match(roles[`${AGENT}-widened-reads`]?.description ?? '', /^NOT OBSERVED: .*files \(seen: files\.read\)/);
    assert.deepEqual((draft.fragment['agents'] as Record<string, unknown>)[AGENT], {
      roles: [`${AGENT}-observed`, `${AGENT}-widened-reads`],
    });
  });

  const never: { note: string; records: () => ObservedRecord[]; absent: string[] }[] = [
    {
      note: 'never a write, send, delete or mixed-kind tool of the system it read',
      records: () => [rec('files.read', 'read')],
      absent: ['files.write', 'files.share', 'files.delete', 'files.sync'],
    },
    {
      note: 'never a read of a system it did not read',
      records: () => [rec('files.read', 'read')],
      absent: ['crm.lookup', 'crm.contact', 'wiki.read'],
    },
    {
      note: 'never a read of a system only written to',
      records: () => [rec('crm.update', 'write')],
      absent: ['crm.lookup', 'crm.contact'],
    },
    {
      note: 'never from a call made as a read of a tool the catalogue defines as a write',
      records: () => [rec('crm.update', 'read')],
      absent: ['crm.lookup', 'crm.contact'],
    },
    {
      note: 'never from a denied read',
      records: () => [rec('crm.lookup', 'read', { decision: 'deny' })],
      absent: ['crm.lookup', 'crm.contact'],
    },
    {
      note: 'never from a trace, which shows that a tool ran, not that a policy allowed it',
      records: () => [rec('crm.lookup', 'read', { gaps: ['verdict', 'sampled'] })],
      absent: ['crm.contact'],
    },
    {
      note: 'never by the system a caller named in its request: the catalogue says which system a tool reads',
      records: () => [rec('files.read', 'read', { system: 'wiki' })],
      absent: ['wiki.read'],
    },
    {
      note: 'never a read whose output is declared to carry a label the observed reads do not',
      records: () => [rec('crm.lookup', 'read')],
      absent: ['crm.contact'],
    },
    {
      note: 'never a read declared more highly classified than the observed reads',
      records: () => [rec('files.read', 'read')],
      absent: ['files.read_secret', 'files.read_payroll'],
    },
  ];
  for (const c of never)
    it(c.note, () => {
      const { draft, widened } = drafted(c.records());
      for (const tool of c.absent) {
        assert.ok(!widened.includes(tool), `${tool} widened`);
        assert.ok(!JSON.stringify(draft.fragment).includes(`"${tool}"`), `${tool} in the fragment`);
      }
    });

  it('holds back a same-system read refused in the period, and says why', () => {
    const { agent, widened } = drafted([rec('files.read', 'read'), rec('files.list', 'read', { decision: 'deny' })]);
    assert.ok(!widened.includes('files.list'));
    const held = agent.widening_held_back.find((h) => h.tool === 'files.list');
    assert.match(held?.reason ?? '', /refused/);
    assert.ok(agent.widening_held_back.some((h) => h.tool === 'files.read_payroll' && /payroll/.test(h.reason)));
  });

  it('widens to a labelled read once an observed read of the system declares the same labels', () => {
    const { widened } = drafted([rec('crm.contact', 'read')]);
    assert.deepEqual(widened, ['crm.lookup']);
  });

  it('grants nothing beyond observation without the option', () => {
    const records = [rec('files.read', 'read'), rec('crm.lookup', 'read')];
    const strict = drafted(records, false);
    assert.deepEqual(strict.widened, []);
    assert.equal(strict.agent.widened_role, null);
    assert.deepEqual(Object.keys(strict.roles), [`${AGENT}-observed`]);
    assert.deepEqual(strict.roles[`${AGENT}-observed`]?.tools, ['crm.lookup', 'files.read']);
    const summary = formatSummary(strict.draft);
    assert.match(summary, /^widening: none; every grant below was observed$/m);
    assert.doesNotMatch(summary, /beyond observation/);
    // The widened draft's observed role is the strict draft's, unchanged.
    assert.deepEqual(drafted(records).roles[`${AGENT}-observed`], strict.roles[`${AGENT}-observed`]);
  });

  it('lists every widened grant apart in the summary, with the reads it rests on and their evidence', () => {
    const a = rec('files.read', 'read', { time: '2026-12-07T09:00:00.000Z' });
    const b = rec('files.read', 'read', { time: '2026-12-07T11:30:00.000Z' });
    const summary = formatSummary(drafted([a, b]).draft);
    assert.match(summary, /^widening: reads \(--widen\)/m);
    const section = summary.slice(summary.indexOf('  granted beyond observation'));
    assert.match(section, /^ {2}granted beyond observation \(NOT observed; role helper-widened-reads;/m);
    for (const tool of ['files.list', 'files.search'])
      assert.match(section, new RegExp(`^ {4}${tool.replace('.', '\\.')} \\[read\\] of system files, which`, 'm'));
    const evidence = `files.read  (2x, 2026-12-07T09:00:00.000Z .. 2026-12-07T11:30:00.000Z, e.g. ${a.decision_id}, ${b.decision_id}`;
    assert.equal(section.split(evidence).length - 1, 2, 'each widened grant shows the reads it rests on');
    assert.match(summary, /not widened to files\.read_payroll \(system files\): .*payroll/);
  });
});
