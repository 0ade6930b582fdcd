import { type EventStoreSelection, eventStoreSelectionFromEnv } from '@publisher/event-store';
import {
  ConfigError,
  DEFAULT_READ_API_PORT,
  integerFromEnv,
  loadPlatformConfig,
  type PlatformConfig,
} from '@publisher/platform';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';

export interface ReadApiConfig extends PlatformConfig {
  /** Longest a request waits for its `min_position` before answering 503 PROJECTION_BEHIND. */
  minPositionTimeoutMs: number;
  /** Connections in the API's PostgreSQL pool. */
  databasePoolSize: number;
  /** Bound on each wait for the database: a connection, a statement, a batch of lookups (→ 503). */
  databaseTimeoutMs: number;
  /** Bytes of cached answers kept in memory (0: no response cache). */
  cacheMaxBytes: number;
  /** The event store history and as-of reads come from (EVENT_STORE, EVENTSTORE_URL). */
  eventStore: EventStoreSelection;
  /** Connections of the PostgreSQL event store's own pool. */
  eventStorePoolSize: number;
  /** Events of recently read streams kept in memory for history and as-of reads (0: none). */
  streamCacheEvents: number;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/**
 * The read API's configuration: the platform's variables (READ_API_PORT default 3001, HOST,
 * DATABASE_URL, LOG_LEVEL, JWT_*, RATE_LIMIT_*, SHUTDOWN_GRACE_MS, …) plus
 * READ_API_MIN_POSITION_TIMEOUT_MS (default 5000), READ_API_POOL_SIZE (default 20),
 * READ_API_DB_TIMEOUT_MS (default 5000), READ_API_CACHE_MB (default 64; 0 turns the response cache
 * off), EVENT_STORE / EVENTSTORE_URL, READ_API_EVENT_STORE_POOL_SIZE (default 10) and
 * READ_API_STREAM_CACHE_EVENTS (default 20000; 0: none).
 * @example
 * const config = loadReadApiConfig(process.env);
 */
export function loadReadApiConfig(env: NodeJS.ProcessEnv = process.env): ReadApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
  return {
    ...platform,
    minPositionTimeoutMs: integerFromEnv(env, 'READ_API_MIN_POSITION_TIMEOUT_MS', 5000, 0, 60_000),
    databasePoolSize: integerFromEnv(env, 'READ_API_POOL_SIZE', 20, 1, 500),
    databaseTimeoutMs: integerFromEnv(env, 'READ_API_DB_TIMEOUT_MS', 5000, 100, 600_000),
    cacheMaxBytes: integerFromEnv(env, 'READ_API_CACHE_MB', 64, 0, 16_384) * 1024 * 1024,
    eventStore: eventStoreSelectionFromEnv(env, (message) => new ConfigError(message)),
    eventStorePoolSize: integerFromEnv(env, 'READ_API_EVENT_STORE_POOL_SIZE', 10, 1, 500),
    streamCacheEvents: integerFromEnv(env, 'READ_API_STREAM_CACHE_EVENTS', 20_000, 0, 10_000_000),
    telemetry: loadTelemetryConfig(env),
  };
}
