import type { EventStoreSelection } from '@publisher/event-store';
import {
  type DatabaseTimeouts,
  databaseTimeoutVariables,
  EVENT_STORE_VARIABLES,
  LOG_LEVEL,
  type LogLevel,
  loadDatabaseTimeouts,
  loadEventStoreSelection,
  PLATFORM_VARIABLES,
  requireDatabaseUrl,
  shutdownGraceVariable,
} from '@publisher/platform/config';
import { envVar, readEnv } from '@publisher/platform/env';
import {
  loadStatusServer,
  STATUS_VARIABLES,
  type StatusServerSettings,
  statusPortVariable,
} from '@publisher/platform/status-access';
import { loadTelemetryConfig, TELEMETRY_VARIABLES, type TelemetryConfig } from '@publisher/telemetry';

const DEFAULT_PROJECTOR_PORT = 3002;

/** A 500-event batch takes milliseconds, a rebuild's 5000 well under a second: 30 s is a hang, not work. */
const DATABASE_TIMEOUTS = { connectTimeoutMs: 5000, statementTimeoutMs: 30_000, queryTimeoutMs: 35_000 };

export type { DatabaseTimeouts };

export interface ProjectorConfig extends StatusServerSettings {
  databaseUrl: string;
  /** Where the events are: EVENT_STORE (`postgres`, the default, or `esdb` at EVENTSTORE_URL). */
  eventStore: EventStoreSelection;
  logLevel: LogLevel;
  /** Events per batch transaction. */
  batchSize: number;
  /** How often an idle subscription polls the PostgreSQL event store, and the cap of its back-off. */
  pollIntervalMs: number;
  /** How often a standby instance tries to take over. */
  standbyRetryMs: number;
  /** How long a stop (SIGINT/SIGTERM) may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** Bounds of every PostgreSQL call (its session, the event store's pool). */
  database: DatabaseTimeouts;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/**
 * The projector's variables (README "Configuration" has their meaning). Its PostgreSQL bounds are
 * longer than the APIs': a rebuild's 5000-event batch must fit in a statement.
 */
export const PROJECTOR_VARIABLES = {
  DATABASE_URL: PLATFORM_VARIABLES.DATABASE_URL,
  ...EVENT_STORE_VARIABLES,
  LOG_LEVEL,
  ...STATUS_VARIABLES,
  PROJECTOR_PORT: statusPortVariable(DEFAULT_PROJECTOR_PORT),
  PROJECTOR_BATCH_SIZE: envVar.integer(500, 1, 10_000),
  PROJECTOR_POLL_INTERVAL_MS: envVar.integer(50, 5, 60_000),
  PROJECTOR_STANDBY_RETRY_MS: envVar.integer(1000, 10, 60_000),
  SHUTDOWN_GRACE_MS: shutdownGraceVariable(10_000),
  ...databaseTimeoutVariables(DATABASE_TIMEOUTS),
  ...TELEMETRY_VARIABLES,
};

/**
 * The projector's settings from `PROJECTOR_VARIABLES` (it serves no API, so it does not load the
 * HTTP platform's); DATABASE_URL is required. A bad value is a ConfigError.
 * @example
 * const config = loadProjectorConfig(process.env);
 */
export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const v = readEnv(PROJECTOR_VARIABLES, env);
  return {
    databaseUrl: requireDatabaseUrl(v.DATABASE_URL),
    eventStore: loadEventStoreSelection(env),
    logLevel: v.LOG_LEVEL,
    ...loadStatusServer(env, v.PROJECTOR_PORT),
    batchSize: v.PROJECTOR_BATCH_SIZE,
    pollIntervalMs: v.PROJECTOR_POLL_INTERVAL_MS,
    standbyRetryMs: v.PROJECTOR_STANDBY_RETRY_MS,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    database: loadDatabaseTimeouts(env, DATABASE_TIMEOUTS),
    telemetry: loadTelemetryConfig(env),
  };
}
