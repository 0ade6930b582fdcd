import type { EventStoreSelection } from '@publisher/event-store';
import {
  DEFAULT_READ_API_PORT,
  EVENT_STORE_VARIABLES,
  envVar,
  loadEventStoreSelection,
  loadPlatformConfig,
  type PlatformConfig,
  platformVariables,
  readEnv,
} from '@publisher/platform';
import { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from '@publisher/telemetry';

export interface ReadApiConfig extends PlatformConfig {
  /** Longest a request waits for its `min_position` before answering 503 PROJECTION_BEHIND. */
  minPositionTimeoutMs: number;
  /** Connections in the API's PostgreSQL pool. */
  databasePoolSize: number;
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

/** The read API's variables (README "Configuration" has their meaning). */
export const READ_API_VARIABLES = {
  ...platformVariables({ portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT }),
  READ_API_MIN_POSITION_TIMEOUT_MS: envVar.integer(5000, 0, 60_000),
  READ_API_POOL_SIZE: envVar.integer(20, 1, 500),
  READ_API_CACHE_MB: envVar.integer(64, 0, 16_384),
  ...EVENT_STORE_VARIABLES,
  READ_API_EVENT_STORE_POOL_SIZE: envVar.integer(10, 1, 500),
  READ_API_STREAM_CACHE_EVENTS: envVar.integer(20_000, 0, 10_000_000),
  ...TELEMETRY_VARIABLES,
};

/**
 * The read API's configuration from `READ_API_VARIABLES`; a bad value is a ConfigError.
 * @example
 * const config = loadReadApiConfig(process.env);
 */
export function loadReadApiConfig(env: NodeJS.ProcessEnv = process.env): ReadApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
  const v = readEnv(READ_API_VARIABLES, env);
  return {
    ...platform,
    minPositionTimeoutMs: v.READ_API_MIN_POSITION_TIMEOUT_MS,
    databasePoolSize: v.READ_API_POOL_SIZE,
    cacheMaxBytes: v.READ_API_CACHE_MB * 1024 * 1024,
    eventStore: loadEventStoreSelection(env),
    eventStorePoolSize: v.READ_API_EVENT_STORE_POOL_SIZE,
    streamCacheEvents: v.READ_API_STREAM_CACHE_EVENTS,
    telemetry: loadTelemetryConfig(env),
  };
}
