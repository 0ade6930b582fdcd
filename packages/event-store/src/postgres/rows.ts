import pg from 'pg';
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

const TIMESTAMPTZ_OID = 1184;
/** `2024-05-01 12:00:00.123456+00`: PostgreSQL's ISO output of a timestamptz in a UTC session. */
const UTC_TIMESTAMP = /^([1-9]\d{3})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\+00$/;
const defaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text');

/**
 * `recorded_at` as a Date without `pg`'s general date parser, which a replay paid once per event
 * (it handles every DateStyle, era and offset); other forms than UTC ISO output still go to it.
 * Milliseconds, truncated, as that parser gives them.
 */
export function parseRecordedAt(value: string): Date {
  const m = UTC_TIMESTAMP.exec(value);
  if (m === null) return defaultTimestamptz(value) as Date;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

/** Type parsers of event reads: `parseRecordedAt` for timestamptz, node-postgres's for the rest. */
export const EVENT_ROW_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? parseRecordedAt
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

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
