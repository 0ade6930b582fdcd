import type { EventMetadata, Position, RecordedEvent } from '../port.ts';
import { decodePosition, encodePosition } from '../port.ts';

/** An `events` row as node-postgres returns it (bigint and xid8 arrive as strings). */
export interface EventRow {
  txid: string;
  position: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
}

/**
 * Columns selected for an EventRow, in one place so every read returns the same shape. The xid8 is
 * read as text under ANOTHER name: an output column named `transaction_id` would capture
 * `ORDER BY transaction_id` and sort the log as text ('1000' < '999').
 */
export const EVENT_COLUMNS =
  'transaction_id::text AS txid, position, stream, revision, id, type, data, metadata, recorded_at';

/** The position token of a row: its transaction id, then its sequence value. */
export function positionOf(transactionId: string, position: string): Position {
  return encodePosition(BigInt(transactionId), BigInt(position));
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    revision: Number(row.revision),
    position: positionOf(row.txid, row.position),
    recorded_at: row.recorded_at,
  };
}

/** Query parameters (xid8 text, bigint text) for "strictly after `after`"; null means the start. */
export function afterParams(after: Position | null | undefined): [string, string] {
  if (after == null) return ['0', '0'];
  const { high, low } = decodePosition(after);
  return [high.toString(), low.toString()];
}
