import { createEsdbEventStore } from './esdb/index.ts';
import type { EventStore } from './port.ts';
import { createPostgresEventStore, type PostgresEventStoreOptions } from './postgres/store.ts';

/** The adapters `EVENT_STORE` can name. */
export const EVENT_STORE_KINDS = ['postgres', 'esdb'] as const;
export type EventStoreKind = (typeof EVENT_STORE_KINDS)[number];

/** Which store a service opens: `EVENT_STORE` and, for EventStoreDB, `EVENTSTORE_URL`. */
export interface EventStoreSelection {
  kind: EventStoreKind;
  /** EventStoreDB connection string; required with `esdb`, ignored with `postgres`. */
  esdbUrl: string | null;
}

/** `EVENT_STORE` / `EVENTSTORE_URL` hold a value no adapter accepts. Services refuse to start. */
export class EventStoreConfigError extends Error {
  readonly code = 'EVENT_STORE_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreConfigError';
  }
}

/**
 * The store raw EVENT_STORE (`postgres`, the default, or `esdb`, in any case) and EVENTSTORE_URL
 * name, for a caller without a declared variable table (the support CLI); the services read
 * `EVENT_STORE_VARIABLES` with `loadEventStoreSelection` (`@publisher/platform/config`).
 * @example
 * eventStoreSelectionFromEnv({ EVENT_STORE: 'esdb', EVENTSTORE_URL: 'esdb://127.0.0.1:2113?tls=false' })
 * // { kind: 'esdb', esdbUrl: 'esdb://127.0.0.1:2113?tls=false' }
 */
export function eventStoreSelectionFromEnv(
  env: NodeJS.ProcessEnv,
  onInvalid: (message: string) => Error = (message) => new EventStoreConfigError(message),
): EventStoreSelection {
  const kind = (env.EVENT_STORE || 'postgres').toLowerCase();
  const esdbUrl = env.EVENTSTORE_URL || null;
  if (!(EVENT_STORE_KINDS as readonly string[]).includes(kind)) {
    throw onInvalid(`EVENT_STORE must be postgres or esdb; got ${env.EVENT_STORE}`);
  }
  if (kind === 'esdb' && esdbUrl === null) {
    throw onInvalid('EVENT_STORE=esdb needs EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false)');
  }
  return { kind: kind as EventStoreKind, esdbUrl };
}

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
 * @throws EventStoreConfigError for `esdb` without a URL.
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
      if (!selection.esdbUrl) throw new EventStoreConfigError('EVENT_STORE=esdb needs EVENTSTORE_URL');
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
