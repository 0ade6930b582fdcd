import { Type } from 'typebox';
import { At, type EventsOf, Id, Json, NullableText, Text, Uuid } from '../event-data.ts';

/**
 * Internal events of the publishing-record aggregate (stream `publishing_record-{id}`): each type's
 * payload schema. Public integration events on Kafka are separate (packages/contracts) and mapped
 * in one place.
 */
export const PUBLISHING_RECORD_EVENT_DATA = {
  PublishingRecordCreated: Type.Object({
    record_id: Uuid,
    account_id: Id,
    site_id: Id,
    sector_id: Id,
    content_id: Id,
    destination: Text,
    destination_config: Json,
    metadata: Json,
    at: At,
  }),
  /** Editable fields changed while pending; only the fields present changed. */
  PublishingRecordUpdated: Type.Object({
    record_id: Uuid,
    changes: Type.Object({
      destination: Type.Optional(Text),
      destination_config: Type.Optional(Json),
      metadata: Type.Optional(Json),
    }),
    at: At,
  }),
  /** `attempt` is the 1-based number of this attempt. */
  PublishingStarted: Type.Object({ record_id: Uuid, attempt: Type.Integer({ minimum: 1 }), at: At }),
  PublishingSucceeded: Type.Object({ record_id: Uuid, external_url: Text, external_id: NullableText, at: At }),
  PublishingFailed: Type.Object({ record_id: Uuid, error: Text, at: At }),
  PublishingRetried: Type.Object({ record_id: Uuid, at: At }),
  /** Soft delete: the stream stays, the record is hidden from reads and refuses further commands. */
  PublishingRecordDeleted: Type.Object({ record_id: Uuid, at: At }),
  /**
   * Re-drive: the record's integration events are to be sent to Kafka again, marked as replays with
   * `replay_id`. Changes no field of the record (only the stream's revision moves); the relay, seeing
   * this event in the log, re-publishes the stream's events before it with their original ids.
   */
  PublishingRecordRepublishRequested: Type.Object({ record_id: Uuid, replay_id: Uuid, reason: Text, at: At }),
  /**
   * Re-drive: a failed record goes back to pending so the publishing worker delivers it again (the
   * public event is the same `retried` a user's retry produces); `reason` says why support asked.
   */
  PublishingRedeliveryRequested: Type.Object({ record_id: Uuid, reason: Text, at: At }),
};

type Events = EventsOf<typeof PUBLISHING_RECORD_EVENT_DATA>;
export type PublishingRecordCreated = Events['PublishingRecordCreated'];
export type PublishingStarted = Events['PublishingStarted'];
export type PublishingSucceeded = Events['PublishingSucceeded'];
export type PublishingFailed = Events['PublishingFailed'];
export type PublishingRecordDeleted = Events['PublishingRecordDeleted'];
export type PublishingRecordRepublishRequested = Events['PublishingRecordRepublishRequested'];
export type PublishingRecordEvent = Events[keyof Events];
export type PublishingRecordEventType = PublishingRecordEvent['type'];

export const publishingRecordStream = (recordId: string): string => `publishing_record-${recordId}`;
