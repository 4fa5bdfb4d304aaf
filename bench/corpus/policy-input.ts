/**
 * Turns a benchmark request into the policy input regent evaluates for it, so OPA can be asked
 * the same question: regent's own trust rule (src/catalogue/resolve.ts, with the shipped
 * catalogue and no token, taint or SCIM directory, as in the benchmark), its own buildInput, its
 * own detectors for `detected`, and the activity counters regent holds once the looped corpus
 * has run for a while (steady state). The inputs are derived from regent's current code at every
 * run, so they cannot drift from what it evaluates.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogueOf } from '../../src/catalogue/catalogue.ts';
import { resolveRequest } from '../../src/catalogue/resolve.ts';
import { buildInput, isRestrictedRead } from '../../src/decision/build-input.ts';
import type { DecisionRequest } from '../../src/decision/decision-request.ts';
import { createRedactionPort } from '../../src/decision/redaction-port.ts';

/** regent's default activity window (REGENT_ACTIVITY_WINDOW_SECONDS), which the harness leaves alone. */
const WINDOW_SECONDS = 300;

/**
 * Restricted reads an agent holds in the window under load: a few minutes of looping. The
 * benchmark's policy has its activity limits lifted (bench/lib/policy.ts), so the counters are
 * evaluated but do not decide.
 */
const STEADY_RESTRICTED_READS = 1000;

/** `data` as the shipped bundle carries it, for the catalogue (activity limits do not touch it). */
function shippedData(): Record<string, unknown> {
  const file = path.resolve(import.meta.dirname, '..', '..', 'rego', 'regent', 'config', 'data.json');
  return { regent: { config: JSON.parse(readFileSync(file, 'utf8')) as unknown } };
}

/** Derives OPA's inputs for a corpus: one policy input per request, in order. */
export function policyInputs(requests: readonly DecisionRequest[]): Record<string, unknown>[] {
  const redaction = createRedactionPort({ maxPaths: 10_000 });
  const data = shippedData();
  const catalogue = catalogueOf(data);
  const resolved = requests.map((request) => resolveRequest(request, catalogue, {}));
  // Once the corpus loops, every agent that makes a counted restricted read holds many of them.
  const bursting = new Set(
    resolved.filter(({ request }) => isRestrictedRead(request, data)).map(({ request }) => request.agent.id),
  );
  return requests.map((request, i) => {
    const { request: resolvedRequest, trust } = resolved[i]!;
    // As decision-service.ts does: the caller's payload is scanned; none, nothing to scan.
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
    return buildInput(resolvedRequest, undefined, detection, activity, trust);
  });
}
