/**
 * Internal events of the publishing-record aggregate (stream `publishing_record-{id}`).
 * Public integration events on Kafka are separate (packages/contracts) and mapped in one place.
 * Every event's data carries `at` (ISO-8601), the command's time, so evolve stays pure.
 */

export interface PublishingRecordCreated {
  type: 'PublishingRecordCreated';
  data: {
    record_id: string;
    account_id: number;
    site_id: number;
    sector_id: number;
    content_id: number;
    destination: string;
    destination_config: Record<string, unknown>;
    metadata: Record<string, unknown>;
    at: string;
  };
}

/** Editable fields changed while pending; only the fields present changed. */
interface PublishingRecordUpdated {
  type: 'PublishingRecordUpdated';
  data: {
    record_id: string;
    changes: {
      destination?: string;
      destination_config?: Record<string, unknown>;
      metadata?: Record<string, unknown>;
    };
    at: string;
  };
}

export interface PublishingStarted {
  type: 'PublishingStarted';
  /** `attempt` is the 1-based number of this attempt. */
  data: { record_id: string; attempt: number; at: string };
}

export interface PublishingSucceeded {
  type: 'PublishingSucceeded';
  data: { record_id: string; external_url: string; external_id: string | null; at: string };
}

export interface PublishingFailed {
  type: 'PublishingFailed';
  data: { record_id: string; error: string; at: string };
}

interface PublishingRetried {
  type: 'PublishingRetried';
  data: { record_id: string; at: string };
}

/** Soft delete: the stream stays, the record is hidden from reads and refuses further commands. */
export interface PublishingRecordDeleted {
  type: 'PublishingRecordDeleted';
  data: { record_id: string; at: string };
}

/**
 * Re-drive: the record's integration events are to be sent to Kafka again, marked as replays with
 * `replay_id`. Changes no field of the record (only the stream's revision moves); the relay, seeing
 * this event in the log, re-publishes the stream's events before it with their original ids.
 */
export interface PublishingRecordRepublishRequested {
  type: 'PublishingRecordRepublishRequested';
  data: { record_id: string; replay_id: string; reason: string; at: string };
}

/**
 * Re-drive: a failed record goes back to pending so the publishing worker delivers it again (the
 * public event is the same `retried` a user's retry produces); `reason` says why support asked.
 */
interface PublishingRedeliveryRequested {
  type: 'PublishingRedeliveryRequested';
  data: { record_id: string; reason: string; at: string };
}

export type PublishingRecordEvent =
  | PublishingRecordCreated
  | PublishingRecordUpdated
  | PublishingStarted
  | PublishingSucceeded
  | PublishingFailed
  | PublishingRetried
  | PublishingRecordDeleted
  | PublishingRecordRepublishRequested
  | PublishingRedeliveryRequested;

export type PublishingRecordEventType = PublishingRecordEvent['type'];

export const publishingRecordStream = (recordId: string): string => `publishing_record-${recordId}`;
