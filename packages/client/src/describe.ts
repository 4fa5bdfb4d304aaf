/** Text an agent (or a person) reads when a call is refused: each reason and its alternative. */
import type { Decision, ResultDecision } from './types.ts';

/** One line per reason, `code: message (alternative: ...)`, prefixed by what was refused. */
export function describeDenial(answer: Decision | ResultDecision, what = 'regent denied this tool call'): string {
  const lines = answer.reasons.map(
    (r) => `- ${r.code}: ${r.message}${r.alternative === undefined ? '' : ` Alternative: ${r.alternative}`}`,
  );
  const id = answer.decision_id === null ? '' : ` (decision ${answer.decision_id})`;
  const a = answer.approval;
  const approval =
    a === undefined
      ? []
      : a.state === 'pending'
        ? [`Waiting for a person's approval (pending): ${a.url}`]
        : [`Approval request ${a.id} is ${a.state}: ${a.url}`];
  return [`${what}${id}.`, ...lines, ...approval].join('\n');
}
