import { type DestinationPolicy, destinationPolicyFromEnv } from '@publisher/destination-policy';
import { type EventStoreKind, eventStoreSelectionFromEnv } from '@publisher/event-store';
import {
  ConfigError,
  DEFAULT_COMMAND_API_PORT,
  integerFromEnv,
  loadPlatformConfig,
  type PlatformConfig,
} from '@publisher/platform';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';
import { SITE_REGISTRY_MODES, type SiteRegistryMode } from './sites/registry.ts';

const MIB = 1024 * 1024;

export interface CommandApiConfig extends PlatformConfig {
  /** `postgres` (default) or `esdb`. */
  eventStore: EventStoreKind;
  /** EventStoreDB connection string, for EVENT_STORE=esdb. */
  eventStoreUrl: string | null;
  /** Connections in the API's PostgreSQL pool. */
  databasePoolSize: number;
  /** PostgreSQL event store: appends in flight before further ones are coalesced into one call (0: never). */
  appendConcurrency: number;
  /** Folded aggregates kept in memory per aggregate type (0 disables the cache). */
  stateCacheSize: number;
  /** Bytes those may take per aggregate type (STATE_CACHE_MB; 0 disables the cache). */
  stateCacheBytes: number;
  /** Bytes of appends waiting for the event store's group commit before further ones get 503 (APPEND_QUEUE_MB). */
  appendQueueBytes: number;
  /** Largest idempotent response stored in full; larger ones are stored as record references (IDEMPOTENCY_MAX_RESPONSE_BYTES). */
  idempotencyMaxResponseBytes: number;
  /** Whether and how creates check that a site belongs to the caller's account (SITE_REGISTRY). */
  siteRegistry: SiteRegistryMode;
  /** Attempts of a command that keeps losing optimistic-concurrency races before answering 409. */
  maxCommandAttempts: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlHours: number;
  /** Which destinations `destination_config` may name (ALLOW_PRIVATE_DESTINATIONS). */
  destinationPolicy: DestinationPolicy;
  /** How long a publishing attempt may stay `publishing` before the sweep fails it (PUBLISHING_TIMEOUT). */
  publishingTimeoutMs: number;
  /** Pause between stuck-record sweeps (STUCK_SWEEP_INTERVAL); 0 turns the sweep off. */
  stuckSweepIntervalMs: number;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/**
 * The command API's configuration: the platform's variables (COMMAND_API_PORT, HOST, DATABASE_URL,
 * LOG_LEVEL, JWT_*, BODY_LIMIT_BYTES, RATE_LIMIT_*, SHUTDOWN_GRACE_MS) plus EVENT_STORE,
 * EVENTSTORE_URL, DATABASE_POOL_SIZE, APPEND_CONCURRENCY, APPEND_QUEUE_MB, STATE_CACHE_SIZE, STATE_CACHE_MB,
 * COMMAND_MAX_ATTEMPTS, IDEMPOTENCY_TTL_HOURS, IDEMPOTENCY_MAX_RESPONSE_BYTES, SITE_REGISTRY,
 * ALLOW_PRIVATE_DESTINATIONS, PUBLISHING_TIMEOUT, STUCK_SWEEP_INTERVAL.
 * @example
 * const config = loadCommandApiConfig(process.env);
 */
export function loadCommandApiConfig(env: NodeJS.ProcessEnv = process.env): CommandApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'COMMAND_API_PORT', defaultPort: DEFAULT_COMMAND_API_PORT });
  const { kind, esdbUrl } = eventStoreSelectionFromEnv(env, (message) => new ConfigError(message));
  const siteRegistry = (env.SITE_REGISTRY || 'off') as SiteRegistryMode;
  if (!SITE_REGISTRY_MODES.includes(siteRegistry)) {
    throw new ConfigError(`SITE_REGISTRY must be one of ${SITE_REGISTRY_MODES.join(', ')}; got ${env.SITE_REGISTRY}`);
  }
  return {
    ...platform,
    siteRegistry,
    eventStore: kind,
    eventStoreUrl: esdbUrl,
    databasePoolSize: integerFromEnv(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    appendConcurrency: integerFromEnv(env, 'APPEND_CONCURRENCY', 1, 0, 500),
    stateCacheSize: integerFromEnv(env, 'STATE_CACHE_SIZE', 5000, 0, 10_000_000),
    stateCacheBytes: integerFromEnv(env, 'STATE_CACHE_MB', 16, 0, 64 * 1024) * MIB,
    appendQueueBytes: integerFromEnv(env, 'APPEND_QUEUE_MB', 16, 1, 64 * 1024) * MIB,
    idempotencyMaxResponseBytes: integerFromEnv(env, 'IDEMPOTENCY_MAX_RESPONSE_BYTES', 16 * 1024, 0, 64 * MIB),
    maxCommandAttempts: integerFromEnv(env, 'COMMAND_MAX_ATTEMPTS', 10, 1, 100),
    idempotencyTtlHours: integerFromEnv(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 365),
    destinationPolicy: destinationPolicyFromEnv(env, (message) => new ConfigError(message)),
    publishingTimeoutMs: durationFromEnv(env, 'PUBLISHING_TIMEOUT', 15 * 60_000, 100, 7 * 24 * 3_600_000),
    stuckSweepIntervalMs: durationFromEnv(env, 'STUCK_SWEEP_INTERVAL', 30_000, 0, 24 * 3_600_000),
    telemetry: loadTelemetryConfig(env),
  };
}

const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration variable: `<n>ms`, `<n>s`, `<n>m`, `<n>h`, or a bare number of seconds.
 * @example
 * durationFromEnv({ PUBLISHING_TIMEOUT: '15m' }, 'PUBLISHING_TIMEOUT', 900_000, 100, 604_800_000) // 900000
 */
export function durationFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallbackMs: number,
  minMs: number,
  maxMs: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallbackMs;
  const m = DURATION.exec(raw);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS] : Number.NaN;
  if (!Number.isSafeInteger(ms) || (ms !== 0 && ms < minMs) || ms > maxMs || (ms === 0 && minMs > 0)) {
    throw new ConfigError(`${name} must be a duration such as 900s, 15m or 1h (bare numbers are seconds); got ${raw}`);
  }
  return ms;
}
