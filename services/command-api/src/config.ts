import { type DestinationPolicy, destinationPolicyFromEnv } from '@publisher/destination-policy';
import { type EventStoreKind, eventStoreSelectionFromEnv } from '@publisher/event-store';
import {
  ConfigError,
  DEFAULT_COMMAND_API_PORT,
  integerFromEnv,
  loadPlatformConfig,
  type PlatformConfig,
} from '@publisher/platform';

export interface CommandApiConfig extends PlatformConfig {
  /** `postgres` (default) or `esdb`. */
  eventStore: EventStoreKind;
  /** EventStoreDB connection string, for EVENT_STORE=esdb. */
  eventStoreUrl: string | null;
  /** Connections in the API's PostgreSQL pool. */
  databasePoolSize: number;
  /** PostgreSQL event store: appends in flight before further ones are coalesced into one call (0: never). */
  appendConcurrency: number;
  /** Folded aggregates kept in memory (0 disables the cache). */
  stateCacheSize: number;
  /** Attempts of a command that keeps losing optimistic-concurrency races before answering 409. */
  maxCommandAttempts: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlHours: number;
  /** Which destinations `destination_config` may name (ALLOW_PRIVATE_DESTINATIONS). */
  destinationPolicy: DestinationPolicy;
}

/**
 * The command API's configuration: the platform's variables (COMMAND_API_PORT, HOST, DATABASE_URL,
 * LOG_LEVEL, JWT_*, BODY_LIMIT_BYTES, RATE_LIMIT_*, SHUTDOWN_GRACE_MS) plus EVENT_STORE,
 * EVENTSTORE_URL, DATABASE_POOL_SIZE, APPEND_CONCURRENCY, STATE_CACHE_SIZE, COMMAND_MAX_ATTEMPTS, IDEMPOTENCY_TTL_HOURS,
 * ALLOW_PRIVATE_DESTINATIONS.
 * @example
 * const config = loadCommandApiConfig(process.env);
 */
export function loadCommandApiConfig(env: NodeJS.ProcessEnv = process.env): CommandApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'COMMAND_API_PORT', defaultPort: DEFAULT_COMMAND_API_PORT });
  const { kind, esdbUrl } = eventStoreSelectionFromEnv(env, (message) => new ConfigError(message));
  return {
    ...platform,
    eventStore: kind,
    eventStoreUrl: esdbUrl,
    databasePoolSize: integerFromEnv(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    appendConcurrency: integerFromEnv(env, 'APPEND_CONCURRENCY', 1, 0, 500),
    stateCacheSize: integerFromEnv(env, 'STATE_CACHE_SIZE', 5000, 0, 10_000_000),
    maxCommandAttempts: integerFromEnv(env, 'COMMAND_MAX_ATTEMPTS', 10, 1, 100),
    idempotencyTtlHours: integerFromEnv(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 365),
    destinationPolicy: destinationPolicyFromEnv(env, (message) => new ConfigError(message)),
  };
}
