import { type EventStoreKind, eventStoreSelectionFromEnv } from '@publisher/event-store';
import { loadStatusAccess } from '@publisher/platform/status-access';
import { loadTelemetryConfig, type TelemetryConfig } from '@publisher/telemetry';
import { ConfigError } from './errors.ts';

export const DEFAULT_PROJECTOR_PORT = 3002;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type ProjectorLogLevel = (typeof LOG_LEVELS)[number];

export interface ProjectorConfig {
  databaseUrl: string;
  eventStore: EventStoreKind;
  /** EventStoreDB connection string, for EVENT_STORE=esdb. */
  eventStoreUrl: string | null;
  logLevel: ProjectorLogLevel;
  /** Interface of the status server (STATUS_HOST, default 127.0.0.1; a non-loopback one needs STATUS_TOKEN). */
  host: string;
  /** Bearer token the status server requires on every path but /health (STATUS_TOKEN); null: none. */
  statusToken: string | null;
  /** Port of the status server (/health, /ready, /metrics, /status); null: no server. */
  statusPort: number | null;
  /** Events per batch transaction. */
  batchSize: number;
  /** How often an idle subscription polls the PostgreSQL event store, and the cap of its back-off. */
  pollIntervalMs: number;
  /** How often a standby instance tries to take over. */
  standbyRetryMs: number;
  /** Bounds of every PostgreSQL call (its session, the event store's pool). */
  database: DatabaseTimeouts;
  /** METRICS_ENABLED, METRICS_PORT, TRACING_ENABLED, OTEL_EXPORTER_OTLP_ENDPOINT. */
  telemetry: TelemetryConfig;
}

/**
 * How long the projector waits on PostgreSQL: DATABASE_CONNECT_TIMEOUT_MS (5000),
 * DATABASE_STATEMENT_TIMEOUT_MS (30000; a 500-event batch takes milliseconds, a rebuild's 5000 well
 * under a second) and DATABASE_QUERY_TIMEOUT_MS (35000), the client-side bound after which a query
 * with no answer (a hung server or network) fails, its connection is dropped and the projector
 * starts over from its checkpoint instead of waiting forever.
 */
export interface DatabaseTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
}

/**
 * Reads the projector's settings (the projector serves no API, so it does not load the HTTP
 * platform): DATABASE_URL (required), EVENT_STORE (`postgres` | `esdb`), EVENTSTORE_URL,
 * LOG_LEVEL (info), STATUS_HOST (127.0.0.1), STATUS_TOKEN, PROJECTOR_PORT (3002; `off`: no status server),
 * PROJECTOR_BATCH_SIZE (500), PROJECTOR_POLL_INTERVAL_MS (50), PROJECTOR_STANDBY_RETRY_MS (1000),
 * DATABASE_CONNECT_TIMEOUT_MS (5000), DATABASE_STATEMENT_TIMEOUT_MS (30000), DATABASE_QUERY_TIMEOUT_MS (35000).
 * @example
 * const config = loadProjectorConfig(process.env);
 */
export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is required');
  const selection = eventStoreSelectionFromEnv(env, (message) => new ConfigError(message));
  const logLevel = (env.LOG_LEVEL || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${env.LOG_LEVEL}`);
  }
  const status = loadStatusAccess(env);
  return {
    databaseUrl,
    eventStore: selection.kind,
    eventStoreUrl: selection.esdbUrl,
    logLevel: logLevel as ProjectorLogLevel,
    host: status.host,
    statusToken: status.token,
    statusPort: env.PROJECTOR_PORT === 'off' ? null : integer(env, 'PROJECTOR_PORT', DEFAULT_PROJECTOR_PORT, 0, 65535),
    batchSize: integer(env, 'PROJECTOR_BATCH_SIZE', 500, 1, 10_000),
    pollIntervalMs: integer(env, 'PROJECTOR_POLL_INTERVAL_MS', 50, 5, 60_000),
    standbyRetryMs: integer(env, 'PROJECTOR_STANDBY_RETRY_MS', 1000, 10, 60_000),
    database: {
      connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
      statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
      queryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 35_000, 100, 3_600_000),
    },
    telemetry: loadTelemetryConfig(env),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}; got ${raw}`);
  }
  return value;
}
