import { defaultV8Flag } from '@publisher/coordination';
import { idleConnectionError, openEventStoreAtStart, type PostgresEventStoreOptions } from '@publisher/event-store';
import { pgPoolTimeouts, requireDatabaseUrl } from '@publisher/platform';
import { runService, ServiceMetrics, serveMetrics } from '@publisher/telemetry';
import pg from 'pg';
import type pino from 'pino';
import { buildApp } from './app.ts';
import { COMMAND_API_VARIABLES, type CommandApiConfig, loadCommandApiConfig } from './config.ts';
import { appendBatchObserver } from './metrics.ts';

/**
 * The API's pool: bounded waits (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_STATEMENT_TIMEOUT_MS,
 * DATABASE_QUERY_TIMEOUT_MS), so a dead or hung database answers 503 within them instead of
 * holding requests, and session timeouts so a stuck transaction cannot hold the event log back.
 */
export function createPool(config: CommandApiConfig, connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: config.databasePoolSize,
    application_name: 'publisher-command-api',
    ...pgPoolTimeouts(config.database),
    keepAlive: true,
  });
  return pool;
}

/**
 * The API's options for a PostgreSQL event store (EVENT_STORE=postgres): it shares the API's pool,
 * coalescing appends beyond APPEND_CONCURRENCY in flight into one call each, with at most
 * APPEND_QUEUE_MB waiting (503 beyond); `onAppendBatch` is told the size of every such call (the
 * group-commit metric).
 * @example
 * const store = await openEventStoreAtStart(log, config.eventStore, eventStoreOptions(config, pool, log));
 */
export function eventStoreOptions(
  config: CommandApiConfig,
  pool: pg.Pool,
  logger?: pino.Logger,
  onAppendBatch?: (size: number) => void,
): PostgresEventStoreOptions {
  return {
    pool,
    logger,
    appendConcurrency: config.appendConcurrency,
    maxQueuedAppendBytes: config.appendQueueBytes,
    onAppendBatch,
  };
}

/**
 * Migrates, listens on COMMAND_API_PORT and closes gracefully on SIGTERM: in-flight requests
 * finish, then the metrics server, the store and the pool close.
 * @example
 * DATABASE_URL=postgres://… pnpm exec tsx services/command-api/src/server.ts
 */
runService(import.meta.url, {
  name: 'command-api',
  variables: COMMAND_API_VARIABLES,
  load: loadCommandApiConfig,
  async start(config, log) {
    // After a full collection V8 lets the old space grow to up to 4× what survived when its heap
    // limit is large, so the API's RSS under the same load can differ widely from run to run as
    // its caches fill; twice the live heap bounds it for a few per cent more CPU per command.
    // V8 reads the factor at each collection, so setting it here, before the caches fill, is enough;
    // a `--heap-growing-percent` given to node wins (0: V8's own). Measure: `pnpm bench:commands`.
    defaultV8Flag('--heap-growing-percent=100');
    const { telemetry } = config;
    const metrics = telemetry.metricsEnabled ? new ServiceMetrics('command_api') : null;
    const pool = createPool(config, requireDatabaseUrl(config.databaseUrl));
    pool.on('error', (err) => log.warn({ err: idleConnectionError(err) }, 'idle database connection lost'));
    const storeOptions = eventStoreOptions(config, pool, log, appendBatchObserver(metrics));
    const store = await openEventStoreAtStart(log, config.eventStore, storeOptions);
    const app = await buildApp({ store, pool, config, metrics }, { loggerInstance: log });
    const metricsServer = await serveMetrics(metrics, { host: config.host, port: telemetry.metricsPort });
    await app.listen({ port: config.port, host: config.host });
    return {
      async close() {
        await app.close();
        await metricsServer?.close();
        await store.close();
        await pool.end();
      },
    };
  },
});
