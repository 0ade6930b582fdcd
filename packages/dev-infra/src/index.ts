export { bundleOnce, bundleServices, SERVICE_ENTRIES } from './bundle.ts';
export { startKafka } from './kafka.ts';
export { startKafkaDaemon, stopKafkaDaemon } from './kafka-daemon.ts';
export { KAFKA_VERSION } from './kafka-install.ts';
export { waitForTopics } from './kafka-ready.ts';
export { freePort, startEmbeddedPostgres } from './postgres.ts';
