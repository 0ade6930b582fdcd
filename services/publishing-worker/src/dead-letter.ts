import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';

/** Headers a dead-lettered message carries besides its original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
  /** For OUTCOME_NOT_RECORDED: the record, and what the destination answered (`published` / `failed`). */
  recordId: 'dlq-record-id',
  outcome: 'dlq-outcome',
  /** `published`: the external URL and id (JSON); `failed`: the worker's short reason. */
  outcomeDetail: 'dlq-outcome-detail',
} as const;

/**
 * Copies a message the worker cannot use to the dead-letter topic, untouched (key, value, original
 * headers) plus why (`dlq-reason` = an error code, `dlq-error` = the message) and where it came
 * from, so it can be inspected and replayed. Resolves once the broker acknowledged.
 *
 * @example
 * await deadLetter(producer, 'publisher.publishing-records.v1.dlq', { topic, partition, message }, { code: 'EVENT_INVALID_JSON', message: '…' }, group);
 */
export async function deadLetter(
  producer: Producer,
  deadLetterTopic: string,
  source: { topic: string; partition: number; message: KafkaMessage },
  reason: { code: string; message: string },
  groupId: string,
  extra: IHeaders = {},
): Promise<void> {
  const headers: IHeaders = {
    ...(source.message.headers ?? {}),
    [DEAD_LETTER_HEADERS.reason]: reason.code,
    [DEAD_LETTER_HEADERS.error]: reason.message.slice(0, 1000),
    [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: source.message.offset,
    [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
    [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    ...extra,
  };
  await producer.send({
    topic: deadLetterTopic,
    acks: -1,
    messages: [{ key: source.message.key, value: source.message.value, headers }],
  });
}
