import { Kafka, type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs logs through pino, quieter: it reports each retried request as an error while it retries
 * on its own; the worker logs the outcomes that matter (crashes, dead letters, failed handling).
 */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      logger[level === logLevel.ERROR ? 'info' : 'debug']({ kafkajs: namespace, ...extra }, message);
    };
}

export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    connectionTimeout: 3000,
    // Short connection-level retries (admin, first connects): the worker's own start loop backs off,
    // and close() need not wait out kafkajs' retries. The consumer and producer set their own.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/** Creates the topics that do not exist yet (replicationFactor -1: the broker's default). */
export async function ensureTopics(
  kafka: Kafka,
  topics: string[],
  options: { partitions: number; replicationFactor: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: options.partitions,
        replicationFactor: options.replicationFactor,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
