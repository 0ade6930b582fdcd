import { retryWhileUnavailable } from '@publisher/platform/database-errors';
import { isEventStoreUnavailable } from './errors.ts';
import { createEsdbEventStore } from './esdb/index.ts';
import type { EventStore } from './port.ts';
import { createPostgresEventStore, type PostgresEventStoreOptions } from './postgres/store.ts';

/** The adapters `EVENT_STORE` can name. */
export const EVENT_STORE_KINDS = ['postgres', 'esdb'] as const;
type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

/**
 * Which store a service opens: `EVENT_STORE` and, for EventStoreDB, `EVENTSTORE_URL` (the services
 * read them with `loadEventStoreSelection` of `@publisher/platform/config`, which refuses `esdb`
 * without a URL).
 */
export type EventStoreSelection =
  | { kind: 'postgres'; esdbUrl: string | null }
  | {
      kind: 'esdb';
      /** EventStoreDB connection string. */
      esdbUrl: string;
    };

export interface SelectedEventStore {
  kind: EventStoreKind;
  store: EventStore;
  /** Creates or upgrades the store's schema; idempotent (a no-op for EventStoreDB, which needs none). */
  migrate(): Promise<void>;
}

/**
 * THE place where the configured adapter is chosen and opened, for every service (command API,
 * read API, projector, relay): PostgreSQL with the service's own options (its pool or connection
 * string, pool size, application name, …), or EventStoreDB at `esdbUrl`. PostgreSQL (DATABASE_URL)
 * is still each service's database for its own tables whichever store holds the events.
 * @example
 * const { store, migrate } = selectEventStore(config.eventStore, { connectionString, logger });
 * await migrate();
 */
export function selectEventStore(
  selection: EventStoreSelection,
  postgres: PostgresEventStoreOptions,
): SelectedEventStore {
  switch (selection.kind) {
    case 'postgres': {
      const store = createPostgresEventStore(postgres);
      return { kind: 'postgres', store, migrate: () => store.migrate() };
    }
    case 'esdb': {
      const store = createEsdbEventStore({ connectionString: selection.esdbUrl });
      return { kind: 'esdb', store, migrate: async () => {} };
    }
  }
}

/**
 * Opens the selected store and creates or upgrades its schema, so a service may start before the one
 * that usually creates it; a store whose migration fails is closed, so the caller may retry.
 * @example const store = await openEventStore(config.eventStore, { connectionString, logger });
 */
export async function openEventStore(
  selection: EventStoreSelection,
  postgres: PostgresEventStoreOptions,
): Promise<EventStore> {
  const { store, migrate } = selectEventStore(selection, postgres);
  try {
    await migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/**
 * `openEventStore` at a service's start: run again while the store is unavailable (PostgreSQL not up
 * yet), each attempt logged, for about half a minute (`retryWhileUnavailable`).
 * @example const store = await openEventStoreAtStart(log, config.eventStore, { connectionString, logger });
 */
export function openEventStoreAtStart(
  log: Parameters<typeof retryWhileUnavailable>[0],
  selection: EventStoreSelection,
  postgres: PostgresEventStoreOptions,
): Promise<EventStore> {
  return retryWhileUnavailable(
    log,
    'event store migration',
    () => openEventStore(selection, postgres),
    isEventStoreUnavailable,
  );
}
