import type { Kafka, Producer } from 'kafkajs';
import { javaCompatiblePartitioner } from './partitioner.ts';

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
