/**
 * Translations between the port's shapes and @eventstore/db-client's: positions, expected
 * revisions, and recorded events (with their metadata).
 */
import type {
  AppendExpectedRevision,
  Position as EsdbPosition,
  RecordedEvent as EsdbRecordedEvent,
  EventData,
} from '@eventstore/db-client';
import { jsonEvent } from '@eventstore/db-client';
import type { EventMetadata, ExpectedRevision, NewEvent, Position, RecordedEvent } from '../port.ts';
import { decodePosition, encodePosition } from '../port.ts';

/** What EventStoreDB sends for "position unknown" (a stream read on servers that do not report it). */
const UNKNOWN_POSITION = 0xffff_ffff_ffff_ffffn;

/**
 * A $all position {commit, prepare} as a port position. Commit first: $all is ordered by commit
 * position, then prepare position, which is exactly the token's string order.
 */
export function toPortPosition(position: EsdbPosition): Position {
  return encodePosition(position.commit, position.prepare);
}

export function toEsdbPosition(position: Position): EsdbPosition {
  const { high, low } = decodePosition(position);
  return { commit: high, prepare: low };
}

export function isKnownPosition(position: EsdbPosition | undefined): position is EsdbPosition {
  return position !== undefined && position.commit !== UNKNOWN_POSITION && position.prepare !== UNKNOWN_POSITION;
}

export function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  return typeof expected === 'number' ? BigInt(expected) : expected;
}

/**
 * EventStoreDB's own events (users, settings, statistics, projections' links) have `$`-prefixed
 * types and live in `$`-prefixed streams; the port's global log holds application events only.
 */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/**
 * The port event as EventStoreDB event data. The metadata also carries `$correlationId` and
 * `$causationId`, the names EventStoreDB's system projections (e.g. `$by_correlation_id`) read.
 */
export function toEventData(event: NewEvent): EventData {
  const metadata: Record<string, unknown> = { ...event.metadata, $correlationId: event.metadata.correlation_id };
  if (event.metadata.causation_id !== null) metadata.$causationId = event.metadata.causation_id;
  return jsonEvent({ id: event.id, type: event.type, data: event.data as Record<string, unknown>, metadata });
}

/** A recorded EventStoreDB event as the port's RecordedEvent. */
export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  if (!event.isJson) throw new Error(`event ${event.id} in ${event.streamId} is not JSON`);
  if (!isKnownPosition(event.position)) {
    // Servers older than the ones this adapter supports do not report positions on stream reads.
    throw new Error(`EventStoreDB did not report the position of event ${event.id} in ${event.streamId}`);
  }
  const {
    $correlationId: _correlation,
    $causationId: _causation,
    ...metadata
  } = (event.metadata ?? {}) as Record<string, unknown>;
  return {
    id: event.id,
    stream: event.streamId,
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: metadata as unknown as EventMetadata,
    revision: Number(event.revision),
    position: toPortPosition(event.position),
    recorded_at: event.created,
  };
}
