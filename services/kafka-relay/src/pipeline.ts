import type { RecordedEvent } from '@publisher/event-store';
import type { TopicMessages } from 'kafkajs';
import { mapRecordedEvent, type RelayMessage, toKafkaMessage } from './mapping.ts';

/** A slice of a store batch, mapped and grouped by topic, ready for one `sendBatch`. */
export interface PreparedBatch {
  topicMessages: TopicMessages[];
  /** Position of the slice's last event (published or skipped): the checkpoint once it is acknowledged. */
  last: string;
  published: number;
  skipped: number;
}

/**
 * Maps each store batch to Kafka messages, cut into requests of at most `maxRequestBytes` (keys,
 * values and headers): the broker refuses a record batch above its `message.max.bytes` (1 MiB by
 * default) for good, so a large store batch must never become one oversized request. Unmappable
 * events throw here (RELAY_UNMAPPABLE_EVENT), before anything of the slice is sent.
 */
export async function* prepareBatches(
  batches: AsyncIterable<RecordedEvent[]>,
  options: { topicPrefix: string; maxRequestBytes: number },
): AsyncGenerator<PreparedBatch> {
  for await (const batch of batches) {
    let byTopic = new Map<string, TopicMessages>();
    let published = 0;
    let skipped = 0;
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const recorded = batch[i]!;
      const mapped = mapRecordedEvent(recorded);
      if (mapped.kind === 'skip') {
        skipped++;
        continue;
      }
      const message = toKafkaMessage(mapped.event);
      const size = messageBytes(message);
      if (published > 0 && bytes + size > options.maxRequestBytes) {
        yield { topicMessages: [...byTopic.values()], last: batch[i - 1]!.position, published, skipped };
        byTopic = new Map();
        published = 0;
        skipped = 0;
        bytes = 0;
      }
      let entry = byTopic.get(mapped.topic);
      if (!entry) {
        entry = { topic: options.topicPrefix + mapped.topic, messages: [] };
        byTopic.set(mapped.topic, entry);
      }
      entry.messages.push(message);
      published++;
      bytes += size;
    }
    if (batch.length > 0) {
      yield { topicMessages: [...byTopic.values()], last: batch[batch.length - 1]!.position, published, skipped };
    }
  }
}

/** Bytes a message adds to a request (payload plus a rough per-record and per-header overhead). */
function messageBytes(message: RelayMessage): number {
  let size = 70 + Buffer.byteLength(message.value) + message.key.length;
  const headers = message.headers;
  for (const name in headers) size += 2 + name.length + headers[name]!.length;
  return size;
}

/**
 * Reads and maps the next batch while the current one is on its way to Kafka, so the store round
 * trip and the mapping overlap the broker's acknowledgement (throughput is bounded by the slower
 * stage, not their sum). `stop` runs when the consumer leaves, before the source is closed, so a
 * pending read cannot hold up the exit.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, stop: () => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // A prefetched read that fails after the consumer stopped must not become an unhandled rejection.
  next.catch(() => {});
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => {});
      yield result.value;
    }
  } finally {
    stop();
    await iterator.return?.();
  }
}
