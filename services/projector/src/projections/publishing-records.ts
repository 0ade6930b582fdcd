import { type PublishingRecord, type PublishingRecordEvent, publishingRecordAggregate } from '@publisher/domain';
import type { PublishingRecordRow, WithDocument } from '@publisher/read-model';
import { applyEvent, type EventPlace, type Outcome, type Projected } from './fold.ts';

/** The publishing-records projection: the record after one event, by the domain's aggregate. Pure. */
export function projectPublishingRecord(
  current: Projected<PublishingRecord> | undefined,
  event: PublishingRecordEvent,
  place: EventPlace,
): Outcome<PublishingRecord> {
  return applyEvent(publishingRecordAggregate, current, event, place);
}

/**
 * A record's row: its representation (the domain's, as the command API answers it), the
 * bookkeeping, and the representation as JSON (the document reads send as it is).
 */
export function publishingRecordRow(p: Projected<PublishingRecord>): WithDocument<PublishingRecordRow> {
  const representation = publishingRecordAggregate.represent(p.state, p.revision);
  const document = JSON.stringify(representation);
  return { ...representation, deleted: p.state.deleted, last_position: p.position, document };
}

/**
 * The state a stored row holds. A row keeps the representation, not `deleted_at`: a deletion is a
 * record's last change (the domain accepts only a republish after it, which changes no field), so
 * it happened at `updated_at`.
 */
export function publishingRecordFromRow(row: PublishingRecordRow): Projected<PublishingRecord> {
  const { revision, last_position, ...record } = row;
  return { state: { ...record, deleted_at: row.deleted ? row.updated_at : null }, revision, position: last_position };
}
