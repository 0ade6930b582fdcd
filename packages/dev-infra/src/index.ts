export { bundleService, bundleServices, SERVICE_ENTRIES, type ServiceEntry } from './bundle.ts';
export { type KafkaHandle, type StartKafkaOptions, startKafka } from './kafka.ts';
export {
  DEFAULT_KAFKA_PORT,
  defaultKafkaDataDir,
  type KafkaDaemonInfo,
  type KafkaDaemonOptions,
  startKafkaDaemon,
  stopKafkaDaemon,
} from './kafka-daemon.ts';
export { type KafkaErrorCode, KafkaInfraError } from './kafka-errors.ts';
export { ensureKafkaLibs, KAFKA_VERSION } from './kafka-install.ts';
export { type WaitForKafkaOptions, waitForKafka, waitForTopics } from './kafka-ready.ts';
export {
  type EmbeddedPostgresHandle,
  type EmbeddedPostgresOptions,
  freePort,
  startEmbeddedPostgres,
} from './postgres.ts';
