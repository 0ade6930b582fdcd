/**
 * Kafka topic and header names of Publisher's public integration events. The `.v1` suffix is the
 * topic's contract generation: a breaking change to keys, partitioning or envelope gets a new topic.
 */

/** Every public event about publishing records; key = record id. */
export const PUBLISHING_RECORDS_TOPIC = 'publisher.publishing-records.v1';
/** Every public event about deployments; key = deployment id. */
export const DEPLOYMENTS_TOPIC = 'publisher.deployments.v1';

export const PUBLISHER_TOPICS = [PUBLISHING_RECORDS_TOPIC, DEPLOYMENTS_TOPIC] as const;
export type PublisherTopic = (typeof PUBLISHER_TOPICS)[number];

/**
 * Headers on every message (UTF-8 strings). They repeat envelope fields so routers and filters can
 * act without parsing the value. `causation-id` is absent when the event has no cause. The value is
 * always UTF-8 JSON, so no content-type header is sent (each header costs the producer an encoder).
 */
export const EVENT_HEADERS = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  accountId: 'account-id',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  position: 'position',
} as const;

/**
 * Headers of a **replay**: a message Publisher sends again on purpose (a support re-drive, see the
 * README's "Replays"). The value is byte for byte the original event, with its original
 * `event_id`, so a consumer that dedupes by event id drops what it already handled and handles what
 * it missed. `replay` is always `"true"` on a replay (absent otherwise); `replay-id` (a UUID) names
 * the re-drive that sent it, the same on every message of one re-drive.
 */
export const REPLAY_HEADERS = {
  replay: 'replay',
  replayId: 'replay-id',
} as const;

/**
 * W3C trace context of the command that caused the event, when tracing was on: a consumer that
 * continues it (as the publishing worker does) joins the command's trace.
 */
export const TRACE_HEADERS = {
  traceparent: 'traceparent',
} as const;

/** The dead-letter topic a consumer of `topic` uses for messages it cannot decode. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;
