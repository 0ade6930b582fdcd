import { type Static, Type } from 'typebox';
import { JsonObject, PlatformId } from '../http/common.ts';
import { integrationEvent } from './envelope.ts';

/**
 * Public events of publishing records, topic `publisher.publishing-records.v1`, key = record id.
 * `data.status` (where present) is the record's status after the event, so a consumer that only
 * tracks status needs no state machine of its own.
 */

const DestinationName = Type.String({ minLength: 1, maxLength: 64 });

/** A record was created; it is pending and waits for a publisher (worker) to claim it. */
export const PublishingRecordCreatedV1 = integrationEvent(
  'publisher.publishing_record.created',
  1,
  Type.Object({
    status: Type.Literal('pending'),
    content_id: PlatformId,
    destination: Type.With(DestinationName, { description: 'The destination adapter (webhook, wordpress, …).' }),
    destination_config: Type.With(JsonObject, { description: 'Adapter settings; never secrets.' }),
    metadata: JsonObject,
  }),
  { description: 'A publishing record was created; it is pending and waits for a publisher (worker) to claim it.' },
);
export type PublishingRecordCreatedV1 = Static<typeof PublishingRecordCreatedV1>;

/** Editable fields changed while pending; only the fields present in `changes` changed. */
export const PublishingRecordUpdatedV1 = integrationEvent(
  'publisher.publishing_record.updated',
  1,
  Type.Object({
    changes: Type.Object({
      destination: Type.Optional(DestinationName),
      destination_config: Type.Optional(JsonObject),
      metadata: Type.Optional(JsonObject),
    }),
  }),
  { description: 'Editable fields changed while pending; only the fields present in `changes` changed.' },
);
export type PublishingRecordUpdatedV1 = Static<typeof PublishingRecordUpdatedV1>;

/** A publisher claimed the record; `attempt` counts from 1. */
export const PublishingRecordStartedV1 = integrationEvent(
  'publisher.publishing_record.started',
  1,
  Type.Object({
    status: Type.Literal('publishing'),
    attempt: Type.Integer({ minimum: 1, description: 'Number of this attempt, from 1.' }),
  }),
  { description: 'A publisher claimed the record and started an attempt.' },
);
export type PublishingRecordStartedV1 = Static<typeof PublishingRecordStartedV1>;

/** The content is live at the destination. */
export const PublishingRecordPublishedV1 = integrationEvent(
  'publisher.publishing_record.published',
  1,
  Type.Object({
    status: Type.Literal('published'),
    external_url: Type.String({ minLength: 1 }),
    external_id: Type.Union([Type.String(), Type.Null()], {
      description: "The destination's id of the content, if it gives one.",
    }),
  }),
  { description: 'The content is live at the destination.' },
);
export type PublishingRecordPublishedV1 = Static<typeof PublishingRecordPublishedV1>;

/** The attempt failed; `error` is the destination's or publisher's message. */
export const PublishingRecordFailedV1 = integrationEvent(
  'publisher.publishing_record.failed',
  1,
  Type.Object({ status: Type.Literal('failed'), error: Type.String() }),
  { description: "The attempt failed; `error` is the destination's or the publisher's message." },
);
export type PublishingRecordFailedV1 = Static<typeof PublishingRecordFailedV1>;

/** A failed record was put back to pending for another attempt. */
export const PublishingRecordRetriedV1 = integrationEvent(
  'publisher.publishing_record.retried',
  1,
  Type.Object({ status: Type.Literal('pending') }),
  { description: 'A failed record was put back to pending for another attempt.' },
);
export type PublishingRecordRetriedV1 = Static<typeof PublishingRecordRetriedV1>;

/** The record was deleted (hidden from reads, accepts no further commands). */
export const PublishingRecordDeletedV1 = integrationEvent('publisher.publishing_record.deleted', 1, Type.Object({}), {
  description: 'The record was deleted (hidden from reads, accepts no further commands).',
});
export type PublishingRecordDeletedV1 = Static<typeof PublishingRecordDeletedV1>;

/** Every public publishing-record event, current versions. */
export const PublishingRecordIntegrationEvent = Type.Union([
  PublishingRecordCreatedV1,
  PublishingRecordUpdatedV1,
  PublishingRecordStartedV1,
  PublishingRecordPublishedV1,
  PublishingRecordFailedV1,
  PublishingRecordRetriedV1,
  PublishingRecordDeletedV1,
]);
export type PublishingRecordIntegrationEvent = Static<typeof PublishingRecordIntegrationEvent>;
