import { Kafka, type logCreator, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { javaCompatiblePartitioner } from './partitioner.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs through pino at debug level: it reports every failed connection and request while it
 * retries on its own (several lines a second during an outage), and the relay logs each outcome
 * that matters itself, with the error (LOG_LEVEL=debug shows kafkajs' view too).
 */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      // We bound the producer's retries on purpose (see createRelayProducer); the warning that this
      // may break exactly-once is expected: the relay promises at-least-once and consumers dedupe.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      logger.debug({ kafkajs: namespace, kafkajs_level: LEVELS[level], ...extra }, message);
    };
}

export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    // Connection-level retries stay short: the relay's own loop backs off and reconnects.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/**
 * The relay's producer: idempotent (the broker drops a retried request's duplicates), acks from all
 * in-sync replicas, one request in flight (kafkajs' requirement for ordered idempotent writes).
 * Its own retries are bounded so a broker outage surfaces as an error the relay can report and
 * back off from; the relay then builds a NEW producer (new producer id, fresh sequence numbers)
 * and re-sends from its checkpoint — possibly a duplicate, never a gap or a reorder.
 */
export function createRelayProducer(kafka: Kafka): Producer {
  return kafka.producer({
    // murmur2 on the key, as Java clients do: every client maps a record id to the same partition.
    createPartitioner: javaCompatiblePartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

/**
 * Creates the topics that do not exist yet. `replicationFactor` -1 uses the broker's default.
 * @example await ensureTopics(kafka, ['publisher.publishing-records.v1'], { partitions: 3, replicationFactor: -1 });
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  options: { partitions: number; replicationFactor: number },
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
        })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
