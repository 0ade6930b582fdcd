export * from './errors.ts';
export * from './esdb/index.ts';
export { isCanonicalTime, occurredAt } from './occurred-at.ts';
export { operatorMetadata } from './operator-metadata.ts';
export * from './port.ts';
export { idleConnectionError } from './postgres/pg-errors.ts';
export {
  createPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres/store.ts';
export * from './select.ts';
