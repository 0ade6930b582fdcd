import { type EventStoreKind, eventStoreSelectionFromEnv } from '@publisher/event-store';
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
  host: string;
  /** Port of the status server (/health, /ready, /metrics, /status); null: no server. */
  statusPort: number | null;
  /** Events per batch transaction. */
  batchSize: number;
  /** How often an idle subscription polls the PostgreSQL event store, and the cap of its back-off. */
  pollIntervalMs: number;
  /** How often a standby instance tries to take over. */
  standbyRetryMs: number;
}

/**
 * Reads the projector's settings (the projector serves no API, so it does not load the HTTP
 * platform): DATABASE_URL (required), EVENT_STORE (`postgres` | `esdb`), EVENTSTORE_URL,
 * LOG_LEVEL (info), HOST (127.0.0.1), PROJECTOR_PORT (3002; `off`: no status server),
 * PROJECTOR_BATCH_SIZE (500), PROJECTOR_POLL_INTERVAL_MS (50), PROJECTOR_STANDBY_RETRY_MS (1000).
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
  return {
    databaseUrl,
    eventStore: selection.kind,
    eventStoreUrl: selection.esdbUrl,
    logLevel: logLevel as ProjectorLogLevel,
    host: env.HOST || '127.0.0.1',
    statusPort: env.PROJECTOR_PORT === 'off' ? null : integer(env, 'PROJECTOR_PORT', DEFAULT_PROJECTOR_PORT, 0, 65535),
    batchSize: integer(env, 'PROJECTOR_BATCH_SIZE', 500, 1, 10_000),
    pollIntervalMs: integer(env, 'PROJECTOR_POLL_INTERVAL_MS', 50, 5, 60_000),
    standbyRetryMs: integer(env, 'PROJECTOR_STANDBY_RETRY_MS', 1000, 10, 60_000),
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
