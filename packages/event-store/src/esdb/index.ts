export { IDEMPOTENCY_WINDOW } from './append.ts';
export { createEsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.ts';
