/** Binds the redaction module (src/decision/redaction) to the decision service's RedactionPort. */
import type { RedactionPort } from './decision-service.ts';
import { createRedactor, toDetected } from './redaction/index.ts';

/** Creates the detection and redaction the decision service uses, bounded by `maxPaths`. */
export function createRedactionPort(options: { maxPaths: number }): RedactionPort {
  const redactor = createRedactor({ maxMatches: options.maxPaths });
  return {
    detect: (payload) => {
      const scan = redactor.scan(payload);
      return { detected: toDetected(scan.findings), complete: !scan.truncated };
    },
    redact: (payload, redactions) => redactor.redact(payload, redactions),
  };
}
