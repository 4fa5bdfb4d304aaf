/**
 * Builds the flow stores from configuration: in memory by default, on Redis when
 * REGENT_REDIS_URL is set (see docs/decisions/002-session-store.md for why).
 */
import type { ActivityStore } from './activity.ts';
import { MemoryActivityStore } from './memory-activity-store.ts';
import { MemorySessionStore } from './memory-session-store.ts';
import type { FlowLogger, RedisConnection } from './redis-connection.ts';
import type { ClassificationRanks } from './session-state.ts';
import { MemoryResourceTaintStore, RedisResourceTaintStore, type ResourceTaintStore } from './resource-taint-store.ts';
import type { SessionStore, StoreHealth } from './session-store.ts';

/** What the flow stores need from regent's configuration (names as in src/config/config-keys.ts). */
export interface FlowConfig {
  /** Classification ranks from the policy data (`data.regent.config.classifications`). */
  readonly ranks: ClassificationRanks;
  /** REGENT_SESSION_TTL_SECONDS (3600). */
  readonly sessionTtlSeconds: number;
  /** REGENT_RESOURCE_TAINT_TTL_SECONDS (30 days). */
  readonly resourceTaintTtlSeconds?: number;
  /** REGENT_MAX_SESSIONS (100000); memory backend only. */
  readonly maxSessions: number;
  /** REGENT_REDIS_URL; empty keeps everything in memory. */
  readonly redisUrl: string;
  /** REGENT_REDIS_KEY_PREFIX ('regent:'). */
  readonly redisKeyPrefix: string;
  /** REGENT_ACTIVITY_WINDOW_SECONDS (300). */
  readonly activityWindowSeconds: number;
  /** Buckets per activity window (10). */
  readonly activityBuckets?: number;
  /** Agents plus sessions whose activity is tracked in memory (100000). */
  readonly maxActivityTracked?: number;
  /** Deadline of one Redis operation in ms (500). */
  readonly redisCommandTimeoutMs?: number;
  readonly logger?: FlowLogger;
}

/** The session and activity stores of one regent process, with one health probe and one close. */
export interface FlowStores {
  readonly backend: 'memory' | 'redis';
  readonly sessions: SessionStore;
  readonly activity: ActivityStore;
  /** What writes left on resources (src/flow/resource-taint-store.ts). */
  readonly taint: ResourceTaintStore;
  /** Redis connection when backend is redis, e.g. to wait for it at start-up. */
  readonly connection?: RedisConnection;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/**
 * Creates the stores the configuration asks for; Redis stores share one connection. The Redis
 * modules load only when Redis is configured (the client alone costs ~150 ms of start-up).
 */
export async function createFlowStores(config: FlowConfig): Promise<FlowStores> {
  const window = {
    windowSeconds: config.activityWindowSeconds,
    ...(config.activityBuckets === undefined ? {} : { buckets: config.activityBuckets }),
  };
  const taintTtl = config.resourceTaintTtlSeconds ?? 30 * 24 * 3600;
  if (config.redisUrl === '') {
    const sessions = new MemorySessionStore({
      ranks: config.ranks,
      idleTtlSeconds: config.sessionTtlSeconds,
      maxSessions: config.maxSessions,
    });
    const activity = new MemoryActivityStore({ ...window, maxTracked: config.maxActivityTracked ?? 100_000 });
    const taint = new MemoryResourceTaintStore({ ranks: config.ranks, ttlSeconds: taintTtl });
    return {
      backend: 'memory',
      sessions,
      activity,
      taint,
      health: () => sessions.health(),
      close: async () => {
        await Promise.all([sessions.close(), activity.close(), taint.close()]);
      },
    };
  }
  const [{ RedisConnection: Connection }, { RedisSessionStore }, { RedisActivityStore }] = await Promise.all([
    import('./redis-connection.ts'),
    import('./redis-session-store.ts'),
    import('./redis-activity-store.ts'),
  ]);
  const connection = new Connection({
    url: config.redisUrl,
    ...(config.redisCommandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.redisCommandTimeoutMs }),
    ...(config.logger === undefined ? {} : { logger: config.logger }),
  });
  const shared = { connection, keyPrefix: config.redisKeyPrefix };
  return {
    backend: 'redis',
    sessions: new RedisSessionStore({ ...shared, ranks: config.ranks, idleTtlSeconds: config.sessionTtlSeconds }),
    activity: new RedisActivityStore({ ...shared, ...window }),
    taint: new RedisResourceTaintStore({
      ...shared,
      keyPrefix: config.redisKeyPrefix,
      ranks: config.ranks,
      ttlSeconds: taintTtl,
    }),
    connection,
    health: () => connection.health(),
    close: () => connection.close(),
  };
}

export { SessionConflictError, SessionStoreUnavailableError, InvalidSessionEffectsError } from './errors.ts';
export type {
  ActivityCounters,
  ActivityIntent,
  ActivityKeys,
  ActivityOutcome,
  ActivityReservation,
  ActivitySnapshot,
  ActivityStore,
} from './activity.ts';
export type { SessionEffects, SessionState, ClassificationRanks } from './session-state.ts';
export type { CommitResult, SessionStore, StoreHealth } from './session-store.ts';
export { decideWithSession } from './session-store.ts';
export { activityPort, sessionPort } from './decision-ports.ts';
