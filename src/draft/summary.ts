/**
 * The readable summary `regent draft` prints: where the evidence came from and what that source
 * could not show, then per agent what is granted and on what evidence (with the source of each
 * line), what a widening granted beyond observation and what it rests on, what was asked for and
 * refused, and what is granted but unused.
 */
import type { Draft } from './draft.ts';
import type { Evidence } from './evidence.ts';

function ev(e: Evidence): string {
  return `${e.count}x, ${e.first_seen} .. ${e.last_seen}, e.g. ${e.decision_ids.slice(0, 3).join(', ')}; from ${e.sources.join(' + ')}`;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Formats a draft for a reviewer. */
export function formatSummary(draft: Draft): string {
  const out: string[] = [
    `Draft for ${draft.period.since ?? 'the start of the source'} .. ${draft.period.until ?? 'now'}`,
  ];
  out.push(
    draft.widen.length === 0
      ? 'widening: none; every grant below was observed'
      : `widening: ${draft.widen.join(', ')} (--widen); grants beyond observation are listed apart, per agent, with what they rest on`,
  );
  const s = draft.source;
  if (s !== undefined) {
    const forms = Object.entries(s.forms).map(([form, n]) => `${plural(n, 'record')} as ${form}`);
    out.push(`source: ${s.from} ${s.location}: ${forms.length === 0 ? 'no records' : forms.join('; ')}`);
    for (const [why, n] of Object.entries(s.skipped)) out.push(`  left out: ${n} ${why}`);
    if (s.unverified)
      out.push('  UNVERIFIED: every grant below comes from telemetry the agents emit themselves; review it first.');
    for (const line of s.cannot_show) out.push(`  cannot show: ${line}`);
    const drafted = new Set(draft.agents.map((a) => a.agent));
    for (const [agent, lines] of Object.entries(s.not_granted))
      if (!drafted.has(agent)) for (const line of lines) out.push(`  agent ${agent}, NOT GRANTED: ${line}`);
  }
  for (const a of draft.agents) {
    out.push('', `agent ${a.agent}: ${a.decisions} decisions; role ${a.role}`);
    for (const n of a.not_granted) out.push(`  NOT GRANTED: ${n}`);
    out.push('  tools (granted):');
    for (const t of a.tools) out.push(`    ${t.tool} [${t.kinds.join(', ')}]  (${ev(t.evidence)})`);
    if (a.beyond_observation.length > 0)
      out.push(
        `  granted beyond observation (NOT observed; role ${a.widened_role ?? '?'}; strike any you do not want):`,
      );
    for (const g of a.beyond_observation) {
      out.push(`    ${g.tool} [${g.kinds.join(', ')}] of system ${g.system}, which the agent was seen reading with:`);
      for (const r of g.rests_on) out.push(`      ${r.tool}  (${ev(r.evidence)})`);
    }
    for (const h of a.widening_held_back) out.push(`  not widened to ${h.tool} (system ${h.system}): ${h.reason}`);
    for (const [sys, e] of Object.entries(a.systems_read)) out.push(`  read system ${sys}  (${ev(e)})`);
    for (const [r, e] of Object.entries(a.resources_read)) out.push(`  read resource ${r}  (${ev(e)})`);
    for (const f of a.flows)
      out.push(
        `  sent to ${f.system}/${f.id ?? '?'} (audience ${f.audience ?? '?'}): labels [${f.labels.join(', ')}]` +
          `${f.labels_complete ? '' : ' (at least)'}, classification ${f.classification ?? 'none'}  (${ev(f.evidence)})`,
      );
    for (const [p, e] of Object.entries(a.principals)) out.push(`  acted for ${p}  (${ev(e)})`);
    const c = a.ceilings;
    out.push(
      `  activity per ${c.window_seconds}s window: peak ${c.peak_decisions} decisions, ${c.peak_restricted_reads} restricted reads ` +
        `(${c.peak_restricted_reads_per_principal} for one principal); ` +
        (c.restricted_reads_ceiling === null
          ? 'no restricted-read ceiling: the source cannot show every restricted read'
          : `restricted-read ceiling with ${Math.round(c.headroom * 100)}% headroom: ${c.restricted_reads_ceiling}`),
    );
    for (const d of a.denied)
      out.push(
        `  asked for, ${d.decision === 'deny' ? 'denied' : 'escalated'}: ${d.tool} ${d.kind} ${d.target ?? ''} [${d.reason_codes.join(', ')}]  (${ev(d.evidence)})`,
      );
    for (const o of a.observe_mode_overrides)
      out.push(
        `  observe mode, would have been ${o.would_have_been}: ${o.tool} ${o.kind} ${o.target ?? ''} [${o.reason_codes.join(', ')}]  (${ev(o.evidence)})`,
      );
    for (const u of a.unused)
      out.push(
        `  granted but unused since the start of the period: ${u.kind} ${u.name}${u.before_period === null ? '' : `  (before: ${ev(u.before_period)})`}`,
      );
    for (const l of a.limits) out.push(`  cannot tell: ${l}`);
  }
  if (draft.notes.length > 0) out.push('');
  for (const n of draft.notes) out.push(`note: ${n}`);
  const changes = JSON.stringify(draft.diff) === '{}' ? 'none' : JSON.stringify(draft.diff);
  out.push('', `diff against the configuration: ${changes}`);
  return `${out.join('\n')}\n`;
}
