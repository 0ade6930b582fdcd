import { ConfigError, type LogLevel, loadPlatformConfig } from '@publisher/platform';

export const DEFAULT_PROJECTOR_PORT = 3002;

export interface ProjectorConfig {
  databaseUrl: string;
  eventStore: 'postgres' | 'esdb';
  /** EventStoreDB connection string, for EVENT_STORE=esdb. */
  eventStoreUrl: string | null;
  logLevel: LogLevel;
  host: string;
  /** Port of the status server (/health, /ready, /metrics, /status); null: no server. */
  statusPort: number | null;
  /** Events per batch transaction. */
  batchSize: number;
}

/**
 * Reads the projector's settings: DATABASE_URL (required), EVENT_STORE (`postgres` | `esdb`),
 * EVENTSTORE_URL, LOG_LEVEL, HOST, PROJECTOR_PORT (default 3002; `off` for no status server),
 * PROJECTOR_BATCH_SIZE (default 500).
 * @example
 * const config = loadProjectorConfig(process.env);
 */
export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const portOff = env.PROJECTOR_PORT === 'off';
  const platform = loadPlatformConfig(portOff ? { ...env, PROJECTOR_PORT: undefined } : env, {
    portVariable: 'PROJECTOR_PORT',
    defaultPort: DEFAULT_PROJECTOR_PORT,
  });
  if (!platform.databaseUrl) throw new ConfigError('DATABASE_URL is required');
  const eventStore = (env.EVENT_STORE || 'postgres').toLowerCase();
  if (eventStore !== 'postgres' && eventStore !== 'esdb') {
    throw new ConfigError(`EVENT_STORE must be postgres or esdb; got ${env.EVENT_STORE}`);
  }
  if (eventStore === 'esdb' && !env.EVENTSTORE_URL)
    throw new ConfigError('EVENTSTORE_URL is required with EVENT_STORE=esdb');
  const batchSize = Number(env.PROJECTOR_BATCH_SIZE || 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ConfigError(
      `PROJECTOR_BATCH_SIZE must be an integer between 1 and 10000; got ${env.PROJECTOR_BATCH_SIZE}`,
    );
  }
  return {
    databaseUrl: platform.databaseUrl,
    eventStore,
    eventStoreUrl: env.EVENTSTORE_URL || null,
    logLevel: platform.logLevel,
    host: platform.host,
    statusPort: portOff ? null : platform.port,
    batchSize,
  };
}
