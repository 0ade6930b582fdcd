import { isUuid } from '@publisher/platform/ids';
import pg from 'pg';
import { DuplicateEventIdError, WrongExpectedVersionError } from '../errors.ts';
import type { AppendResult, ExpectedRevision, NewEvent } from '../port.ts';
import { positionOf } from './rows.ts';
import { EXPECT_ANY, EXPECT_NO_STREAM, EXPECT_STREAM_EXISTS } from './schema-sql.ts';

/** A row of `append_to_stream` (bigint and xid8 as text). */
export interface AppendRow {
  ok: boolean;
  revision: string;
  txid: string | null;
  last_position: string | null;
}

export interface AppendOutcome {
  result: AppendResult;
  /** Transaction id of a fresh append (to announce it); null when the append was a re-send. */
  transactionId: bigint | null;
}

/** Maps the port's expected revision onto the sentinel integers `append_to_stream` takes. */
export function expectedToSql(expected: ExpectedRevision): number {
  switch (expected) {
    case 'no_stream':
      return EXPECT_NO_STREAM;
    case 'any':
      return EXPECT_ANY;
    case 'stream_exists':
      return EXPECT_STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) {
        throw new RangeError(`expected revision must be a non-negative integer, got ${String(expected)}`);
      }
      return expected;
  }
}

/** Throws TypeError/RangeError (or DuplicateEventIdError for ids repeated within the append) before any I/O. */
export function validateAppend(stream: string, events: NewEvent[]): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('stream name must be a non-empty string');
  if (events.length === 0) throw new RangeError('append needs at least one event');
  const seen = new Set<string>();
  for (const e of events) {
    if (!isUuid(e.id)) throw new TypeError(`event id must be a UUID, got ${JSON.stringify(e.id)}`);
    const id = e.id.toLowerCase();
    if (seen.has(id)) throw new DuplicateEventIdError(stream, [e.id]);
    seen.add(id);
  }
}

/** The `jsonb` array `append_to_stream` takes, as JSON text. */
export function eventsPayload(events: NewEvent[]): string {
  return JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })));
}

/** True for the unique violation of an event id already stored. */
function isEventIdClash(err: unknown): boolean {
  return err instanceof pg.DatabaseError && err.code === '23505' && err.constraint === 'events_id_key';
}

/**
 * Appends in one round trip: a single call of `append_to_stream`, i.e. one implicit transaction
 * (version check and lock first, then the multi-row insert). Conflicts and duplicate ids take a
 * second query to tell a re-sent append (answered with its original result) from a real clash.
 */
export async function appendEvents(
  pool: pg.Pool,
  schemaSql: string,
  statementName: string,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
  /** `eventsPayload(events)`, when the caller has it already. */
  payload?: string,
): Promise<AppendOutcome> {
  validateAppend(stream, events);
  let row: AppendRow | undefined;
  try {
    const res = await pool.query<AppendRow>({
      name: statementName,
      text: `SELECT ok, revision, transaction_id::text AS txid, last_position FROM ${schemaSql}.append_to_stream($1, $2, $3)`,
      values: [stream, expectedToSql(expected), payload ?? eventsPayload(events)],
    });
    row = res.rows[0];
  } catch (err) {
    if (!isEventIdClash(err)) throw err;
    const original = await findOriginal(pool, schemaSql, stream, events);
    if (original) return { result: original, transactionId: null };
    throw new DuplicateEventIdError(
      stream,
      events.map((e) => e.id),
    );
  }
  if (!row) throw new Error('append_to_stream returned no row');
  return settleAppendRow(pool, schemaSql, stream, events, expected, row);
}

/**
 * Turns one row of `append_to_stream` (or of a batch) into the append's outcome: ok → the result;
 * a conflict → the original result if this was a re-sent append, else WrongExpectedVersionError.
 */
export async function settleAppendRow(
  pool: pg.Pool,
  schemaSql: string,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
  row: AppendRow,
): Promise<AppendOutcome> {
  if (row.ok && row.txid !== null && row.last_position !== null) {
    return {
      result: { next_revision: Number(row.revision), position: positionOf(row.txid, row.last_position) },
      transactionId: BigInt(row.txid),
    };
  }
  const original = await findOriginal(pool, schemaSql, stream, events);
  if (original) return { result: original, transactionId: null };
  const actual = Number(row.revision);
  throw new WrongExpectedVersionError(stream, expected, actual < 0 ? 'no_stream' : actual);
}

/** The result the original append returned, if every id of `events` is already stored in `stream`. */
async function findOriginal(
  pool: pg.Pool,
  schemaSql: string,
  stream: string,
  events: NewEvent[],
): Promise<AppendResult | null> {
  const { rows } = await pool.query<{ stream: string; revision: string; txid: string; position: string }>(
    `SELECT stream, revision, transaction_id::text AS txid, position
       FROM ${schemaSql}.events WHERE id = ANY($1::uuid[]) ORDER BY revision DESC`,
    [events.map((e) => e.id)],
  );
  if (rows.length !== events.length || rows.some((r) => r.stream !== stream)) return null;
  const last = rows[0]!;
  return { next_revision: Number(last.revision), position: positionOf(last.txid, last.position) };
}
