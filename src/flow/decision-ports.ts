/**
 * Adapters from the flow stores to the ports the decision service declares in
 * src/decision/ports.ts. The stores keep their own, richer API (typed commit results, explicit
 * clocks); the decision service sees only what it needs.
 */
import type { ActivityPort, SessionPort } from '../decision/ports.ts';
import type { ActivityStore } from './activity.ts';
import type { SessionStore } from './session-store.ts';

/** The decision service's SessionPort over a SessionStore; a conflict is `false`, a store failure throws. */
export function sessionPort(store: SessionStore): SessionPort {
  return {
    async load(id) {
      const state = await store.load(id);
      const view = {
        id: state.id,
        labels: [...state.labels],
        systems: [...state.systems],
        classification: state.classification,
        steps: state.steps,
        first_seen: state.first_seen,
        last_seen: state.last_seen,
      };
      return { view, version: state.version };
    },
    async commit(id, expectedVersion, update) {
      return (await store.commit(id, expectedVersion, update)).ok;
    },
  };
}

/** The decision service's ActivityPort over an ActivityStore, stamping events with `now()`. */
export function activityPort(store: ActivityStore, now: () => number = Date.now): ActivityPort {
  return {
    async read(agentId, sessionId) {
      return { ...(await store.read(agentId, sessionId, now())) };
    },
    record(agentId, sessionId, event) {
      const { decision, restrictedRead, system, bytesOut } = event;
      return store.record(
        agentId,
        sessionId,
        { decision, restricted_read: restrictedRead, system, bytes_out: bytesOut },
        now(),
      );
    },
  };
}
