import { randomUUID } from 'node:crypto';
import { startKafka, waitForTopics } from '@publisher/dev-infra';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * The broker for a test file: KAFKA_BROKERS when `pnpm test` (or the user) provides one, else a
 * broker of its own, stopped in teardown.
 */
export async function kafkaBrokers(t: Teardown): Promise<string> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const kafka = await startKafka();
  t.teardown(() => kafka.stop());
  return kafka.brokers;
}

export interface Received {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function toReceived(topic: string, partition: number, message: KafkaMessage): Received {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

/**
 * Reads `topics` from the beginning with a fresh consumer group until `done(received)` holds or
 * `timeoutMs` passes, and returns everything received, in arrival order per partition.
 */
export async function consumeUntil(
  brokers: string,
  topics: string[],
  done: (received: Received[]) => boolean,
  timeoutMs = 30_000,
): Promise<Received[]> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, clientId: 'test-consumer' });
  const consumer = kafka.consumer({ groupId: `test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  // The relay creates its topics in the background: subscribing earlier would fail.
  await waitForTopics(brokers, topics, { timeoutMs });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms with ${received.length} messages`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) received.push(toReceived(batch.topic, batch.partition, message));
            if (done(received)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}
