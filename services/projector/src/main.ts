import { type EventStore, openEventStoreAtStart, type PostgresEventStoreOptions } from '@publisher/event-store';
import { pgPoolTimeouts } from '@publisher/platform/config';
import { retryWhileUnavailable } from '@publisher/platform/database-errors';
import { loggerOptions } from '@publisher/platform/logger';
import { migrateReadModel } from '@publisher/read-model';
import { runService, type StatusServers, serveStatus } from '@publisher/telemetry';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import { loadProjectorConfig, PROJECTOR_VARIABLES, type ProjectorConfig } from './config.ts';
import { projectorMetrics } from './metrics.ts';
import { startProjector } from './projector.ts';
import type { ProjectorStatus } from './status.ts';
import { statusRoutes } from './status-routes.ts';

export interface RunningProjector {
  status(): ProjectorStatus;
  /** Address of the status server, when one runs. */
  statusUrl: string | null;
  /** The port `/metrics` answers on (METRICS_PORT's server or the status server's), if any. */
  metricsPort: number | null;
  close(): Promise<void>;
}

/**
 * The projector's options for a PostgreSQL event store (EVENT_STORE=postgres).
 * @example
 * const store = await openEventStoreAtStart(logger, config.eventStore, eventStoreOptions(config, logger));
 */
export function eventStoreOptions(config: ProjectorConfig, logger: Logger): PostgresEventStoreOptions {
  return {
    connectionString: config.databaseUrl,
    logger,
    poolSize: 4,
    applicationName: 'publisher-projector-store',
    connectionTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
    // The projector is the latency-critical reader (read-your-writes waits on it): when a notified
    // append is not readable yet (an older transaction still runs), it looks again at most this late.
    pollIntervalMs: config.pollIntervalMs,
  };
}

/**
 * Starts the projector: migrates the read model, projects in the background (one active
 * instance per database, others stand by) and serves its status when `port` is set.
 * Runs alone (`main`) or inside `pnpm start` next to the APIs.
 * @example
 * const projector = await start(loadProjectorConfig(process.env));
 * await projector.close();
 */
export async function start(
  config: ProjectorConfig,
  deps: { logger?: Logger; store?: EventStore } = {},
): Promise<RunningProjector> {
  const logger = deps.logger ?? pino(loggerOptions(config, 'projector'));
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 1,
    application_name: 'publisher-projector-migrate',
    ...pgPoolTimeouts(config.database),
  });
  try {
    await retryWhileUnavailable(logger, 'read model migration', () => migrateReadModel(pool, { logger }));
  } finally {
    await pool.end();
  }
  const store =
    deps.store ?? (await openEventStoreAtStart(logger, config.eventStore, eventStoreOptions(config, logger)));
  const { telemetry } = config;
  const served = config.port !== null || telemetry.metricsPort !== null;
  const pm = telemetry.metricsEnabled && served ? projectorMetrics(store, config.eventStore.kind) : null;
  const projector = startProjector({
    store,
    connectionString: config.databaseUrl,
    logger,
    batchSize: config.batchSize,
    standbyRetryMs: config.standbyRetryMs,
    timeouts: config.database,
    onBatch: pm?.onBatch,
  });
  pm?.watch(() => projector.status());
  let servers: StatusServers;
  try {
    servers = await serveStatus({
      host: config.host,
      port: config.port,
      token: config.statusToken,
      metrics: pm?.metrics ?? null,
      metricsPort: telemetry.metricsPort,
      health: null,
      routes: statusRoutes(projector),
    });
  } catch (err) {
    await projector.close();
    throw err;
  }
  return {
    status: () => projector.status(),
    statusUrl: servers.port === null ? null : `http://${config.host}:${servers.port}`,
    metricsPort: servers.metricsPort,
    async close() {
      await servers.close();
      await projector.close();
      if (!deps.store) await store.close();
    },
  };
}

// The projector alone until SIGINT/SIGTERM.
runService(import.meta.url, {
  name: 'projector',
  variables: PROJECTOR_VARIABLES,
  load: loadProjectorConfig,
  async start(config, logger) {
    const running = await start(config, { logger });
    logger.info({ status_url: running.statusUrl }, 'projector started');
    return running;
  },
});
