import { randomUUID } from 'node:crypto';
import type { EachMessagePayload, Kafka } from 'kafkajs';

/**
 * Reads `topic` from the beginning with a throw-away consumer group, handing each message to
 * `visit` until it returns true (or fails after `timeoutMs`).
 */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  visit: (payload: EachMessagePayload) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: not found in ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async (payload) => {
            if (!visit(payload)) return;
            clearTimeout(timer);
            resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** A message's headers as strings. */
export function headersOf(payload: EachMessagePayload): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
  return headers;
}
