/**
 * What Kafka consumers were sent for each event of a record's history. Publisher's relay publishes
 * every public event of the log, in order, at least once (services/kafka-relay: `mapping.ts` is the
 * one translation); so the history read from the event store says what consumers received: the
 * public type below per internal event, and for each republish request a replay of the stream's
 * earlier events (original event ids, headers `replay: true` and `replay-id`). The console reads
 * no topic itself — it has no broker access, only the user's token.
 * `test/kafka-mapping.test.ts` holds this table against the contracts' catalogue.
 */
/** Internal event type → the public event type consumers get (on the record kind's topic). */
export const PUBLIC_EVENT_TYPES: Readonly<Record<string, string>> = {
  PublishingRecordCreated: 'publisher.publishing_record.created',
  PublishingRecordUpdated: 'publisher.publishing_record.updated',
  PublishingStarted: 'publisher.publishing_record.started',
  PublishingSucceeded: 'publisher.publishing_record.published',
  PublishingFailed: 'publisher.publishing_record.failed',
  PublishingRetried: 'publisher.publishing_record.retried',
  PublishingRecordDeleted: 'publisher.publishing_record.deleted',
  // A redelivery asked for by support is, to consumers (the publishing worker first), a retry.
  PublishingRedeliveryRequested: 'publisher.publishing_record.retried',
  DeploymentCreated: 'publisher.deployment.created',
  DeploymentUpdated: 'publisher.deployment.updated',
  DeploymentCancelled: 'publisher.deployment.cancelled',
  DeploymentStarted: 'publisher.deployment.started',
  DeploymentSucceeded: 'publisher.deployment.deployed',
  DeploymentFailed: 'publisher.deployment.failed',
  DeploymentRolledBack: 'publisher.deployment.rolled_back',
};

export const REPUBLISH_REQUEST_TYPES: ReadonlySet<string> = new Set([
  'PublishingRecordRepublishRequested',
  'DeploymentRepublishRequested',
]);

/** What consumers were sent for one history event, as one line of text. */
export function sentToKafka(entry: { type: string; revision: number; data: Record<string, unknown> }): string {
  if (REPUBLISH_REQUEST_TYPES.has(entry.type)) {
    const replayId = typeof entry.data.replay_id === 'string' ? entry.data.replay_id : 'unknown';
    const last = entry.revision - 1;
    const range = last <= 0 ? 'revision 0' : `revisions 0–${last}`;
    return `replay of ${range} (public events only), replay-id ${replayId}`;
  }
  return PUBLIC_EVENT_TYPES[entry.type] ?? 'nothing (internal event)';
}
