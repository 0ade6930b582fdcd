import type { PublishingRecordEvent } from '@publisher/domain';
import type { PublishingRecordRow } from '@publisher/read-model';

/** Where an event sits: its stream revision (becomes the row's revision) and global position. */
export interface EventPlace {
  revision: number;
  position: string;
}

/** Outcome of applying one event to a row. */
export type RowOutcome<Row> =
  | { kind: 'changed'; row: Row }
  /** Already applied (a re-delivery): the row's revision is at or past the event's. */
  | { kind: 'unchanged' }
  /** The event needs a row that does not exist (its create event is missing). */
  | { kind: 'missing' };

/** Timestamps are stored and compared in one canonical form (UTC, milliseconds). */
export const canonicalTime = (at: string): string => new Date(at).toISOString();

/**
 * The publishing-records projection: given the current row (or none) and one event of its
 * stream, the row after the event. Pure; mirrors the domain's evolve, plus the revision and
 * position bookkeeping that makes re-delivery a no-op.
 * @example
 * const out = projectPublishingRecord(undefined, created, { revision: 0, position });
 * // { kind: 'changed', row: { status: 'pending', attempts: 0, revision: 0, … } }
 */
export function projectPublishingRecord(
  row: PublishingRecordRow | undefined,
  event: PublishingRecordEvent,
  place: EventPlace,
): RowOutcome<PublishingRecordRow> {
  if (row !== undefined && place.revision <= row.revision) return { kind: 'unchanged' };
  if (event.type === 'PublishingRecordCreated') {
    if (row !== undefined) return { kind: 'unchanged' };
    const d = event.data;
    const at = canonicalTime(d.at);
    return {
      kind: 'changed',
      row: {
        id: d.record_id.toLowerCase(),
        account_id: d.account_id,
        site_id: d.site_id,
        sector_id: d.sector_id,
        content_id: d.content_id,
        destination: d.destination,
        destination_config: d.destination_config,
        status: 'pending',
        external_url: null,
        external_id: null,
        error_message: null,
        attempts: 0,
        metadata: d.metadata,
        revision: place.revision,
        created_at: at,
        updated_at: at,
        published_at: null,
        deleted: false,
        last_position: place.position,
      },
    };
  }
  if (row === undefined) return { kind: 'missing' };
  const at = canonicalTime(event.data.at);
  const base = { ...row, revision: place.revision, last_position: place.position, updated_at: at };
  switch (event.type) {
    case 'PublishingRecordUpdated': {
      const c = event.data.changes;
      return {
        kind: 'changed',
        row: {
          ...base,
          ...(c.destination !== undefined && { destination: c.destination }),
          ...(c.destination_config !== undefined && { destination_config: c.destination_config }),
          ...(c.metadata !== undefined && { metadata: c.metadata }),
        },
      };
    }
    case 'PublishingStarted':
      return { kind: 'changed', row: { ...base, status: 'publishing', attempts: event.data.attempt } };
    case 'PublishingSucceeded':
      return {
        kind: 'changed',
        row: {
          ...base,
          status: 'published',
          external_url: event.data.external_url,
          external_id: event.data.external_id,
          error_message: null,
          published_at: at,
        },
      };
    case 'PublishingFailed':
      return { kind: 'changed', row: { ...base, status: 'failed', error_message: event.data.error } };
    case 'PublishingRetried':
      return { kind: 'changed', row: { ...base, status: 'pending' } };
    case 'PublishingRecordDeleted':
      return { kind: 'changed', row: { ...base, deleted: true } };
    case 'PublishingRecordRepublishRequested':
      // A re-drive changes no field (updated_at neither, as in the domain's evolve): only the
      // revision and position move, so the row's revision stays the stream's (the ETag).
      return { kind: 'changed', row: { ...row, revision: place.revision, last_position: place.position } };
    case 'PublishingRedeliveryRequested':
      return { kind: 'changed', row: { ...base, status: 'pending' } };
    default: {
      const never: never = event;
      throw new Error(`unhandled publishing-record event ${JSON.stringify(never)}`);
    }
  }
}
