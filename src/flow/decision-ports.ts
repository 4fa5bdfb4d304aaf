/**
 * Adapters from the flow stores to the ports the decision service declares in
 * src/decision/ports.ts. The stores keep their own, richer API (typed commit results, explicit
 * clocks); the decision service sees only what it needs.
 */
import type { ActivityPort, ActivityReservation, SessionPort } from '../decision/ports.ts';
import type { ActivityReservation as StoreReservation, ActivityStore } from './activity.ts';
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
        untrusted_sources: [...state.untrusted_sources],
        untrusted_values_overflow: state.untrusted_values_overflow,
      };
      const values = { untrusted: state.untrusted_values, trusted: state.trusted_values };
      return { view, version: state.version, values };
    },
    async commit(id, expectedVersion, update) {
      return (await store.commit(id, expectedVersion, update)).ok;
    },
  };
}

/**
 * The decision service's ActivityPort over an ActivityStore, stamping reservations with `now()`.
 * Port reservations map to the store's own through a WeakMap, so a reservation the store never
 * issued (or one already forgotten) settles as a no-op.
 */
export function activityPort(store: ActivityStore, now: () => number = Date.now): ActivityPort {
  const held = new WeakMap<ActivityReservation, StoreReservation>();
  return {
    async reserve(keys, intent) {
      const stored = await store.reserve(keys, intent, now());
      const reservation: ActivityReservation = { activity: { ...stored.activity } };
      held.set(reservation, stored);
      return reservation;
    },
    async settle(reservation, outcome) {
      const stored = held.get(reservation);
      if (stored === undefined) return;
      await store.settle(stored, outcome);
    },
  };
}
