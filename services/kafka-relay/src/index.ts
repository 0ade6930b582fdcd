/**
 * @publisher/kafka-relay — publishes the event store's global log to Kafka as public integration
 * events (at least once, in order per record). See ../README.md.
 */
export {
  type DecisionResult,
  type RelayAdmin,
  type RelayStatus,
  relayStatus,
  republishAccount,
  resetRelayCheckpoint,
  type ScanProgress,
  STUCK_SCAN_LIMIT,
  type StuckEvent,
  skipRelayEvent,
} from './admin.ts';
export { type CheckpointStore, createCheckpointStore } from './checkpoint.ts';
export { DEFAULT_RELAY_PORT, loadRelayConfig, type RelayConfig, type RelayOptions, relayDefaults } from './config.ts';
export { isRelayError, RelayError, type RelayErrorCode } from './errors.ts';
export { main } from './main.ts';
export { type MappedEvent, mapRecordedEvent, type RelayMessage, toKafkaMessage } from './mapping.ts';
export type { RelayLag, RelayState } from './metrics.ts';
export { type RelayHandle, start } from './relay.ts';
