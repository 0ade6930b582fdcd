// @ts-check
/**
 * A consumer group of Publisher's integration events:
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 STATE_FILE=./state.json node src/main.js
 *
 * Per batch: decode, dedupe by event id, apply to the state; save the state durably; then commit
 * the batch's offsets. A crash anywhere before the commit re-delivers the batch, and the dedupe
 * store (saved with the effects) turns what was already handled into duplicates.
 */
import { createEventDeduplicator, PUBLISHER_TOPICS } from '@publisher/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { handleMessage } from './handle.js';
import { openStateStore } from './state-store.js';

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('KAFKA_BROKERS is required, e.g. 127.0.0.1:9092');
  process.exit(2);
}
const groupId = env.CONSUMER_GROUP || 'publisher-example-consumer';
const stateFile = env.STATE_FILE || './state.json';
// The relay's KAFKA_TOPIC_PREFIX, when Publisher's topics carry one (shared clusters, tests).
const topics = PUBLISHER_TOPICS.map((topic) => `${env.KAFKA_TOPIC_PREFIX ?? ''}${topic}`);

/** @param {Record<string, unknown>} entry */
const log = (entry) => console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));

const store = openStateStore(stateFile);
const dedupe = createEventDeduplicator({ store: store.processedEvents });
const kafka = new Kafka({ clientId: groupId, brokers, logLevel: logLevel.WARN });
// A member that crashed holds its partitions until its session times out (kafkajs' default: 30 s).
const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });

await consumer.connect();
for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
consumer.on(consumer.events.GROUP_JOIN, () => log({ level: 'info', msg: 'joined', group: groupId, topics }));

await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    let last = null;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      await handleMessage(store.state, dedupe, { topic: batch.topic, partition: batch.partition, message }, log);
      last = message.offset;
      await heartbeat();
    }
    if (last === null) return;
    try {
      store.save();
    } catch (err) {
      // Without durable state there is nothing to commit: stop, and let the next start re-read
      // from the last commit.
      log({ level: 'fatal', msg: 'cannot save the state; exiting without committing', err: String(err) });
      process.exit(1);
    }
    const offset = (BigInt(last) + 1n).toString();
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
    resolveOffset(last);
    log({ level: 'debug', msg: 'committed', topic: batch.topic, partition: batch.partition, offset });
  },
});

let stopping = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect();
    log({ level: 'info', msg: 'stopped', counts: store.state.counts });
    process.exit(0);
  });
}
