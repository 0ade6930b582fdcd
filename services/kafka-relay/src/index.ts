/**
 * @publisher/kafka-relay — publishes the event store's global log to Kafka as public integration
 * events (at least once, in order per record). See ../README.md.
 */
export { type RelayAdmin, relayStatus, republishAccount, resetRelayCheckpoint, skipRelayEvent } from './admin.ts';
export { createCheckpointStore, RELAY_CHECKPOINTS_TABLE } from './checkpoint.ts';
export { DEFAULT_RELAY_NAME } from './config.ts';
/** Other packages' tests and the root's multi-instance tests map events as the relay does. */
export { mapRecordedEvent } from './mapping.ts';
/** Other packages' tests run a real relay in process. */
export { start } from './relay.ts';
