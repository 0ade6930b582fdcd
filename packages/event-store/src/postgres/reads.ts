import type pg from 'pg';
import type { Position, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../port.ts';
import { isPosition } from '../port.ts';
import { afterParams, EVENT_COLUMNS, EVENT_ROW_TYPES, type EventRow, positionOf, toRecordedEvent } from './rows.ts';
import type { StreamReadBatcher } from './stream-reads.ts';

/**
 * Only transactions older than every still-running one are final: rows below this bound can no
 * longer be joined by a row that sorts before them. Every global read filters on it.
 */
const READABLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

function checkLimit(limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

/**
 * Reads one stream by revision; an unknown stream gives []. Not filtered by readability: a writer
 * sees its own append at once. Concurrent reads travel together (`StreamReadBatcher`).
 */
export async function readStreamEvents(
  reads: StreamReadBatcher,
  stream: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const backwards = options.direction === 'backwards';
  const limit = checkLimit(options.limit);
  if (limit === 0) return [];
  const from = options.from ?? (backwards ? 'end' : 'start');
  if (typeof from === 'number' && (!Number.isSafeInteger(from) || from < 0)) {
    throw new RangeError(`from must be a non-negative integer, 'start' or 'end', got ${from}`);
  }
  // Forwards from the end is empty by definition (as in EventStoreDB).
  if (!backwards && from === 'end') return [];
  const bound = from === 'start' ? 0 : from === 'end' ? '9223372036854775807' : from;
  return reads.read({ stream, bound, limit }, backwards);
}

/** Reads the global log in (transaction_id, position) order, strictly after `after`, readable rows only. */
export async function readAllEvents(
  pool: pg.Pool,
  schemaSql: string,
  options: ReadAllOptions = {},
): Promise<RecordedEvent[]> {
  const limit = checkLimit(options.limit);
  if (limit === 0) return [];
  if (options.after != null && !isPosition(options.after)) throw new TypeError(`invalid position: ${options.after}`);
  const [xid, seq] = afterParams(options.after);
  const { rows } = await pool.query<EventRow>({
    text: `SELECT ${EVENT_COLUMNS} FROM ${schemaSql}.events
      WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND ${READABLE}
      ORDER BY transaction_id, position LIMIT $3`,
    values: [xid, seq, limit],
    types: EVENT_ROW_TYPES,
  });
  return rows.map(toRecordedEvent);
}

/** One of `shards` disjoint parts of the log up to a position (`readShardEvents`). */
export interface ReadShardOptions {
  /** Read events strictly after this position of the shard; null or undefined: from the start. */
  after?: Position | null;
  /** Last position read (inclusive). It must be readable already: nothing new can sort below it. */
  until: Position;
  /** This part, from 0 to `shards` - 1. */
  shard: number;
  /** Parts the log is cut into; every stream falls in exactly one. */
  shards: number;
  limit?: number;
}

/**
 * Reads one part of the log in (transaction_id, position) order, cut by a hash of the stream so
 * that a stream's events all fall in the same part: parts can be folded independently, each by its
 * own thread, and together they hold every event up to `until` exactly once. PostgreSQL filters
 * the rows, so each reader parses only its own part.
 */
export async function readShardEvents(pool: pg.Pool, schemaSql: string, o: ReadShardOptions): Promise<RecordedEvent[]> {
  const limit = checkLimit(o.limit);
  if (limit === 0) return [];
  if (!Number.isSafeInteger(o.shards) || o.shards < 1) throw new RangeError(`shards must be ≥ 1, got ${o.shards}`);
  if (!Number.isSafeInteger(o.shard) || o.shard < 0 || o.shard >= o.shards) {
    throw new RangeError(`shard must be in [0, ${o.shards}), got ${o.shard}`);
  }
  for (const position of [o.after, o.until]) {
    if (position != null && !isPosition(position)) throw new TypeError(`invalid position: ${position}`);
  }
  const [xid, seq] = afterParams(o.after);
  const [untilXid, untilSeq] = afterParams(o.until);
  const { rows } = await pool.query<EventRow>({
    // hashtext() is PostgreSQL's own string hash, masked to be non-negative before the modulo. The
    // part is written as "none of the other parts": PostgreSQL guesses that `expression = value`
    // keeps a small fraction of the rows and then reads the whole table and sorts it rather than walk
    // the key; `<> ALL` it guesses keeps nearly all.
    text: `SELECT ${EVENT_COLUMNS} FROM ${schemaSql}.events
      WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        AND (transaction_id, position) <= ($3::xid8, $4::bigint)
        AND (hashtext(stream) & 2147483647) % $5 <> ALL ($6::int[])
      ORDER BY transaction_id, position LIMIT $7`,
    values: [
      xid,
      seq,
      untilXid,
      untilSeq,
      o.shards,
      Array.from({ length: o.shards }, (_, i) => i).filter((i) => i !== o.shard),
      limit,
    ],
    types: EVENT_ROW_TYPES,
  });
  return rows.map(toRecordedEvent);
}

/** The newest committed position, readable yet or not, or null when the log is empty. */
export async function readCommittedHeadPosition(pool: pg.Pool, schemaSql: string): Promise<Position | null> {
  const { rows } = await pool.query<{ txid: string; position: string }>(
    `SELECT transaction_id::text AS txid, position FROM ${schemaSql}.events
      ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? positionOf(row.txid, row.position) : null;
}

/** The newest readable position, or null when nothing is readable yet. */
export async function readHeadPosition(pool: pg.Pool, schemaSql: string): Promise<Position | null> {
  const { rows } = await pool.query<{ txid: string; position: string }>(
    `SELECT transaction_id::text AS txid, position FROM ${schemaSql}.events
      WHERE ${READABLE} ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? positionOf(row.txid, row.position) : null;
}
