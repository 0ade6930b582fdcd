import { createEsdbEventStore, createPostgresEventStore, type EventStore } from '@publisher/event-store';
import { ConfigError } from '@publisher/platform';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { CommandApiConfig } from './config.ts';

export interface SelectedEventStore {
  store: EventStore;
  /** Creates or upgrades the store's schema (a no-op for stores that need none). */
  migrate: () => Promise<void>;
}

/**
 * THE place where EVENT_STORE selects the adapter:
 * - `postgres` (default): the PostgreSQL store, sharing the API's pool, coalescing appends beyond
 *   APPEND_CONCURRENCY in flight into one call each;
 * - `esdb`: EventStoreDB at EVENTSTORE_URL. PostgreSQL (DATABASE_URL) is still used for the
 *   API's own table (idempotency keys).
 * @example
 * const { store, migrate } = createEventStoreFromEnv(config, pool, logger);
 * await migrate();
 */
export function createEventStoreFromEnv(
  config: CommandApiConfig,
  pool: pg.Pool,
  logger?: Logger,
  /** Told the size of every group-commit call (the `append_batch_size` metric). */
  onAppendBatch?: (size: number) => void,
): SelectedEventStore {
  switch (config.eventStore) {
    case 'postgres': {
      const store = createPostgresEventStore({
        pool,
        logger,
        appendConcurrency: config.appendConcurrency,
        onAppendBatch,
      });
      return { store, migrate: () => store.migrate() };
    }
    case 'esdb': {
      if (!config.eventStoreUrl)
        throw new ConfigError('EVENT_STORE=esdb needs EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false)');
      const store = createEsdbEventStore({ connectionString: config.eventStoreUrl });
      return { store, migrate: async () => {} };
    }
  }
}
