import { createPostgresEventStore, type EventStore } from '@publisher/event-store';
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
 * THE place where EVENT_STORE selects the adapter: `postgres` (default) shares the API's pool;
 * `esdb` will use `createEsdbEventStore({ connectionString: EVENTSTORE_URL })` once
 * @publisher/event-store exports it.
 * @example
 * const { store, migrate } = createEventStoreFromEnv(config, pool, logger);
 * await migrate();
 */
export function createEventStoreFromEnv(config: CommandApiConfig, pool: pg.Pool, logger?: Logger): SelectedEventStore {
  switch (config.eventStore) {
    case 'postgres': {
      const store = createPostgresEventStore({ pool, logger });
      return { store, migrate: () => store.migrate() };
    }
    case 'esdb':
      throw new ConfigError(
        'EVENT_STORE=esdb: the EventStoreDB adapter is not exported by @publisher/event-store yet; use EVENT_STORE=postgres',
      );
  }
}
