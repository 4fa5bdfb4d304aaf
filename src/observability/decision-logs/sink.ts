/**
 * The port the decision service reports answered decisions to when OPA-format decision logs are
 * on: each decision becomes one OPA event, written to stdout in OPA's console shape
 * (`"msg":"Decision Log"`, `type` openpolicyagent.org/decision_logs) and/or queued for upload.
 */
import type { Logger } from '../logger.ts';
import { scopeOf } from '../request-scope.ts';
import { describeThrown } from '../../errors/policy-errors.ts';
import { opaEvent, type DecisionLogEntry, type OpaEventSettings } from './opa-event.ts';
import type { DecisionLogUploader } from './uploader.ts';

/** Receives every answered decision; `record` never blocks and never throws. */
export interface DecisionLogSink {
  record(entry: DecisionLogEntry, log: Logger): void;
}

/** Writes OPA events to the request's log (when `console`) and queues them on `uploader` (when given). */
export function opaDecisionLogSink(options: {
  settings: OpaEventSettings;
  console: boolean;
  uploader: DecisionLogUploader | undefined;
}): DecisionLogSink {
  const { settings, console, uploader } = options;
  return {
    record(entry, log) {
      try {
        const event = opaEvent(entry, scopeOf(log), settings, new Date());
        // OPA's console logger prints the event's fields beside its own; winston adds level and time.
        if (console) log.info('Decision Log', { ...event, type: 'openpolicyagent.org/decision_logs' });
        uploader?.push(JSON.stringify(event));
      } catch (err) {
        log.error('decision event not recorded', {
          decision_id: entry.response.decision_id,
          error: describeThrown(err),
        });
      }
    },
  };
}
