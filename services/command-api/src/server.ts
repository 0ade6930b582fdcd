import { idleConnectionError, selectEventStore } from '@publisher/event-store';
import { closeGracefully, isDatabaseUnavailable } from '@publisher/platform';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from './app.ts';
import { type CommandApiConfig, loadCommandApiConfig } from './config.ts';

/**
 * The API's pool: bounded waits, so a dead database answers 503 quickly instead of queueing
 * requests, and session timeouts so a stuck transaction cannot hold the event log back.
 */
export function createPool(config: CommandApiConfig, connectionString: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: config.databasePoolSize,
    application_name: 'publisher-command-api',
    connectionTimeoutMillis: 3000,
    idle_in_transaction_session_timeout: 10_000,
    statement_timeout: 15_000,
    keepAlive: true,
  });
  return pool;
}

async function retryWhileUnavailable(log: pino.Logger, what: string, run: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isDatabaseUnavailable(err) && !(err as { code?: string }).code?.startsWith('EVENT_STORE_UNAVAILABLE'))
        throw err;
      if (attempt >= 30) throw err;
      log.warn({ attempt, reason: (err as Error).message }, `${what}: database unavailable, retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Reads the environment, migrates, listens on COMMAND_API_PORT and closes gracefully on SIGTERM.
 * @example
 * DATABASE_URL=postgres://… node --import tsx services/command-api/src/server.ts
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadCommandApiConfig(env);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (pnpm start provides an embedded PostgreSQL)');
  const log = pino({ level: config.logLevel });
  const pool = createPool(config, config.databaseUrl);
  pool.on('error', (err) => log.warn({ err: idleConnectionError(err) }, 'idle database connection lost'));
  // PostgreSQL: the store shares the API's pool, coalescing appends beyond APPEND_CONCURRENCY in flight.
  const { store, migrate } = selectEventStore(
    { kind: config.eventStore, esdbUrl: config.eventStoreUrl },
    { pool, logger: log, appendConcurrency: config.appendConcurrency },
  );
  await retryWhileUnavailable(log, 'event store migration', migrate);

  const app = await buildApp({ store, pool, config });
  closeGracefully(app, config.shutdownGraceMs, async () => {
    await store.close();
    await pool.end();
  });
  await app.listen({ port: config.port, host: config.host });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
