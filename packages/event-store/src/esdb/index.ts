import type { EventStore } from '../port.ts';
import type { EsdbEventStoreOptions } from './esdb-event-store.ts';

export type { EsdbEventStoreOptions } from './esdb-event-store.ts';

/**
 * Creates the EventStoreDB adapter (see `esdb-event-store.ts`). Its client library (gRPC, protobuf:
 * memory in every process that loads it) is loaded by the first call, so the services that run on
 * PostgreSQL — all of them by default — never load it. The connection string is checked here, so a
 * malformed one still fails at start.
 * @example
 * const store = createEsdbEventStore({ connectionString: 'esdb://127.0.0.1:2113?tls=false' });
 */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EventStore {
  if (!/^esdb(\+discover)?:\/\/./i.test(options.connectionString)) {
    throw new TypeError(
      `not an EventStoreDB connection string (esdb://… or esdb+discover://…): ${options.connectionString}`,
    );
  }
  let loaded: Promise<EventStore> | undefined;
  const store = () => {
    loaded ??= import('./esdb-event-store.ts').then((m) => m.createEsdbEventStore(options));
    return loaded;
  };
  return {
    append: async (stream, events, expected) => (await store()).append(stream, events, expected),
    readStream: async (stream, readOptions) => (await store()).readStream(stream, readOptions),
    readAll: async (readOptions) => (await store()).readAll(readOptions),
    async *subscribe(subscribeOptions) {
      yield* (await store()).subscribe(subscribeOptions);
    },
    headPosition: async () => (await store()).headPosition(),
    committedHeadPosition: async () => (await store()).committedHeadPosition(),
    ping: async () => (await store()).ping(),
    close: async () => {
      if (loaded) await (await loaded).close();
    },
  };
}
