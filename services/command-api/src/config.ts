import {
  DESTINATION_POLICY_VARIABLES,
  type DestinationPolicy,
  destinationPolicyFromEnv,
} from '@publisher/destination-policy';
import type { EventStoreSelection } from '@publisher/event-store';
import {
  DEFAULT_COMMAND_API_PORT,
  EVENT_STORE_VARIABLES,
  envVar,
  loadEventStoreSelection,
  loadPlatformConfig,
  type PlatformConfig,
  platformVariables,
  readEnv,
} from '@publisher/platform';
import { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from '@publisher/telemetry';
import { SITE_REGISTRY_MODES, type SiteRegistryMode } from './sites/registry.ts';

const MIB = 1024 * 1024;

export interface CommandApiConfig extends PlatformConfig {
  /** Where the events are: EVENT_STORE (`postgres`, the default, or `esdb` at EVENTSTORE_URL). */
  eventStore: EventStoreSelection;
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
  /** Pause between stuck-record sweeps (STUCK_SWEEP_INTERVAL); null: no sweeps (STUCK_SWEEP_ENABLED=false). */
  stuckSweepIntervalMs: number | null;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/** The command API's variables (README "Configuration" has their meaning). */
export const COMMAND_API_VARIABLES = {
  ...platformVariables({ portVariable: 'COMMAND_API_PORT', defaultPort: DEFAULT_COMMAND_API_PORT }),
  ...EVENT_STORE_VARIABLES,
  DATABASE_POOL_SIZE: envVar.integer(20, 1, 500),
  APPEND_CONCURRENCY: envVar.integer(1, 0, 500),
  APPEND_QUEUE_MB: envVar.integer(16, 1, 64 * 1024),
  STATE_CACHE_SIZE: envVar.integer(5000, 0, 10_000_000),
  STATE_CACHE_MB: envVar.integer(16, 0, 64 * 1024),
  IDEMPOTENCY_MAX_RESPONSE_BYTES: envVar.integer(16 * 1024, 0, 64 * MIB),
  IDEMPOTENCY_TTL_HOURS: envVar.integer(24, 1, 24 * 365),
  COMMAND_MAX_ATTEMPTS: envVar.integer(10, 1, 100),
  SITE_REGISTRY: envVar.oneOf(SITE_REGISTRY_MODES, 'off'),
  PUBLISHING_TIMEOUT: envVar.duration(15 * 60_000, 100, 7 * 24 * 3_600_000),
  STUCK_SWEEP_ENABLED: envVar.boolean(true),
  STUCK_SWEEP_INTERVAL: envVar.duration(30_000, 100, 24 * 3_600_000),
  ...DESTINATION_POLICY_VARIABLES,
  ...TELEMETRY_VARIABLES,
};

/**
 * The command API's configuration from `COMMAND_API_VARIABLES`; a bad value is a ConfigError.
 * @example
 * const config = loadCommandApiConfig(process.env);
 */
export function loadCommandApiConfig(env: NodeJS.ProcessEnv = process.env): CommandApiConfig {
  const platform = loadPlatformConfig(env, { portVariable: 'COMMAND_API_PORT', defaultPort: DEFAULT_COMMAND_API_PORT });
  const v = readEnv(COMMAND_API_VARIABLES, env);
  return {
    ...platform,
    siteRegistry: v.SITE_REGISTRY,
    eventStore: loadEventStoreSelection(env),
    databasePoolSize: v.DATABASE_POOL_SIZE,
    appendConcurrency: v.APPEND_CONCURRENCY,
    stateCacheSize: v.STATE_CACHE_SIZE,
    stateCacheBytes: v.STATE_CACHE_MB * MIB,
    appendQueueBytes: v.APPEND_QUEUE_MB * MIB,
    idempotencyMaxResponseBytes: v.IDEMPOTENCY_MAX_RESPONSE_BYTES,
    maxCommandAttempts: v.COMMAND_MAX_ATTEMPTS,
    idempotencyTtlHours: v.IDEMPOTENCY_TTL_HOURS,
    destinationPolicy: destinationPolicyFromEnv(env),
    publishingTimeoutMs: v.PUBLISHING_TIMEOUT,
    stuckSweepIntervalMs: v.STUCK_SWEEP_ENABLED ? v.STUCK_SWEEP_INTERVAL : null,
    telemetry: loadTelemetryConfig(env),
  };
}
