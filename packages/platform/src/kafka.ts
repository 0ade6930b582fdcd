import { Kafka, type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * The pino level of kafkajs' errors; everything else it says goes to debug. Default `debug`, for a
   * process that logs each outcome that matters itself, with the error; `info` keeps kafkajs' view of
   * failures visible at the default LOG_LEVEL.
   */
  errorLevel?: 'debug' | 'info';
}

/**
 * kafkajs logs through pino, quietly: it reports every failed connection and request while it retries
 * on its own (several lines a second during an outage).
 */
function pinoLogCreator(logger: Logger, errorLevel: 'debug' | 'info'): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      // Publisher bounds its idempotent producers' retries on purpose, so that an outage surfaces as an
      // error; the warning that this may break exactly-once is expected: delivery is at-least-once and
      // consumers dedupe.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      logger[level === logLevel.ERROR ? errorLevel : 'debug'](
        { kafkajs: namespace, kafkajs_level: LEVELS[level], ...extra },
        message,
      );
    };
}

/**
 * A kafkajs client of a Publisher process: logs through pino, short connection-level retries (the
 * caller's own loop backs off and reconnects, and closing need not wait out kafkajs' retries; producers
 * and consumers set their own).
 * @example
 * const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'publisher-relay', logger });
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger, options.errorLevel ?? 'debug'),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

/**
 * Creates the topics that do not exist yet and returns their names. `replicationFactor` -1 uses the
 * broker's default.
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
