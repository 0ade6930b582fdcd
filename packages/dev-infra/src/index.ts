// Imported, then exported alone: Biome merges re-exports from one file, and `@internal` would cover them all.
import { startEmbeddedPostgres } from './postgres.ts';

export { bundleOnce, bundleServices, SERVICE_ENTRIES } from './bundle.ts';
export { startKafka } from './kafka.ts';
export { startKafkaDaemon, stopKafkaDaemon } from './kafka-daemon.ts';
export { KAFKA_VERSION } from './kafka-install.ts';
export { waitForTopics } from './kafka-ready.ts';
export { freePort, postgresFromEnv } from './postgres.ts';
/** @internal The command API's availability test restarts a PostgreSQL of its own on one data dir. */
export { startEmbeddedPostgres };
