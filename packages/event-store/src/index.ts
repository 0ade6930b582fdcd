export { isWrongExpectedVersion } from './errors.ts';
export * from './esdb/index.ts';
export { type LogLag, measureLogLag, sequenceDistance } from './lag.ts';
export { occurredAt } from './occurred-at.ts';
export { operatorMetadata } from './operator-metadata.ts';
export {
  type AppendResult,
  comparePositions,
  decodePosition,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  isPosition,
  type NewEvent,
  type Position,
  type ReadStreamOptions,
  type RecordedEvent,
  type Role,
} from './port.ts';
export { idleConnectionError } from './postgres/pg-errors.ts';
export { createPostgresEventStore, type PostgresEventStore, type PostgresEventStoreOptions } from './postgres/store.ts';
export { type EventStoreSelection, openEventStore, openEventStoreAtStart, selectEventStore } from './select.ts';
