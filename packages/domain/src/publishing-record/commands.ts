/**
 * Commands of the publishing-record aggregate (imperative). Time comes from the decider's context,
 * the record id from the create command (later commands act on the record the caller loaded).
 */

type NoData = Record<string, never>;

export interface CreatePublishingRecord {
  type: 'CreatePublishingRecord';
  data: {
    record_id: string;
    account_id: number;
    site_id: number;
    sector_id: number;
    content_id: number;
    destination: string;
    destination_config: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

/** Changes editable fields while the record is pending; absent fields stay as they are. */
interface UpdatePublishingRecord {
  type: 'UpdatePublishingRecord';
  data: {
    destination?: string;
    destination_config?: Record<string, unknown>;
    metadata?: Record<string, unknown>;
  };
}

interface StartPublishing {
  type: 'StartPublishing';
  data: NoData;
}

interface SucceedPublishing {
  type: 'SucceedPublishing';
  data: { external_url: string; external_id?: string | null };
}

interface FailPublishing {
  type: 'FailPublishing';
  data: { error: string };
}

interface RetryPublishing {
  type: 'RetryPublishing';
  data: NoData;
}

interface DeletePublishingRecord {
  type: 'DeletePublishingRecord';
  data: NoData;
}

/**
 * Re-drive (support): send the record's integration events to Kafka again, marked as replays. The
 * record does not change; the relay re-publishes the stream's events up to the event this records.
 * `replay_id` names the replay (a UUID chosen by the caller) and travels in the `replay-id` header.
 */
interface RepublishPublishingRecord {
  type: 'RepublishPublishingRecord';
  data: { replay_id: string; reason: string };
}

/**
 * Re-drive (support): have the publishing worker deliver a failed record again. Like a retry it
 * makes the record pending (the worker's cue), but it records who asked and why.
 */
interface RedeliverPublishingRecord {
  type: 'RedeliverPublishingRecord';
  data: { reason: string };
}

export type PublishingRecordCommand =
  | CreatePublishingRecord
  | UpdatePublishingRecord
  | StartPublishing
  | SucceedPublishing
  | FailPublishing
  | RetryPublishing
  | DeletePublishingRecord
  | RepublishPublishingRecord
  | RedeliverPublishingRecord;

export type PublishingRecordCommandType = PublishingRecordCommand['type'];
