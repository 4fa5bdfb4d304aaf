/**
 * Turns a benchmark request into the policy input regent evaluates for it, so OPA can be asked
 * the same question: regent's own buildInput, its own detectors for `detected`, and the activity
 * counters regent holds once the looped corpus has run for a while (steady state). The inputs are
 * derived from regent's current code at every run, so they cannot drift from what it evaluates.
 */
import { buildInput } from '../../src/decision/build-input.ts';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';
import { createRedactionPort } from '../../src/decision/redaction-port.ts';

/** regent's default activity window (REGENT_ACTIVITY_WINDOW_SECONDS), which the harness leaves alone. */
const WINDOW_SECONDS = 300;

/**
 * Restricted reads an agent holds in the window under load. Any value at or above the policy's
 * `max_reads` (5) gives the same outcome; this one stands for a few minutes of looping.
 */
const STEADY_RESTRICTED_READS = 1000;

/** The reads regent counts as restricted (decision-service.ts recordActivity): declared classification only. */
function countsAsRestrictedRead(request: DecisionRequest): boolean {
  if (request.action.kind !== 'read') return false;
  const classifications = [
    request.action.resource?.classification,
    ...(request.data_flow?.sources ?? []).map((s) => s.classification),
  ];
  return classifications.includes('restricted');
}

/** Derives OPA's inputs for a corpus: one policy input per request, in order. */
export function policyInputs(requests: readonly DecisionRequest[]): Record<string, unknown>[] {
  const redaction = createRedactionPort({ maxPaths: 10_000 });
  // Once the corpus loops, every agent that makes a counted restricted read is past the burst
  // limit, so regent denies its restricted reads; OPA must see the same counters to agree.
  const bursting = new Set(requests.filter(countsAsRestrictedRead).map((r) => r.agent.id));
  return requests.map((request) => {
    // As decision-service.ts does: no payload, nothing to scan, and the scan is complete.
    const detection =
      request.payload === undefined ? { detected: [], complete: true } : redaction.detect(request.payload);
    const activity = {
      agent: {
        window_seconds: WINDOW_SECONDS,
        actions: 5000,
        denials: 1500,
        restricted_reads: bursting.has(request.agent.id) ? STEADY_RESTRICTED_READS : 0,
        distinct_systems: 4,
        bytes_out: 2_000_000,
      },
    };
    return buildInput(request, undefined, detection, activity);
  });
}
