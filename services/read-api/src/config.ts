import { DEFAULT_READ_API_PORT, integerFromEnv, loadPlatformConfig, type PlatformConfig } from '@publisher/platform';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';

export interface ReadApiConfig extends PlatformConfig {
  /** Longest a request waits for its `min_position` before answering 503 PROJECTION_BEHIND. */
  minPositionTimeoutMs: number;
  /** Connections in the API's PostgreSQL pool. */
  databasePoolSize: number;
  /** Bytes of serialized responses kept in memory (0: no response cache). */
  cacheMaxBytes: number;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/**
 * The read API's configuration: the platform's variables (READ_API_PORT default 3001, HOST,
 * DATABASE_URL, LOG_LEVEL, JWT_*, RATE_LIMIT_*, SHUTDOWN_GRACE_MS, …) plus
 * READ_API_MIN_POSITION_TIMEOUT_MS (default 5000), READ_API_POOL_SIZE (default 20) and
 * READ_API_CACHE_MB (default 64; 0 turns the response cache off).
 * @example
 * const config = loadReadApiConfig(process.env);
 */
export function loadReadApiConfig(env: NodeJS.ProcessEnv = process.env): ReadApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'READ_API_PORT', defaultPort: DEFAULT_READ_API_PORT });
  return {
    ...platform,
    minPositionTimeoutMs: integerFromEnv(env, 'READ_API_MIN_POSITION_TIMEOUT_MS', 5000, 0, 60_000),
    databasePoolSize: integerFromEnv(env, 'READ_API_POOL_SIZE', 20, 1, 500),
    cacheMaxBytes: integerFromEnv(env, 'READ_API_CACHE_MB', 64, 0, 16_384) * 1024 * 1024,
    telemetry: loadTelemetryConfig(env),
  };
}
