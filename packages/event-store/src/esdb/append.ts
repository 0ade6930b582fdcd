/**
 * Appends for the EventStoreDB adapter, with the port's idempotency: re-sending the same event
 * ids returns the original result instead of storing the events twice.
 *
 * What EventStoreDB decides by itself (KurrentDB `IndexWriter.CheckCommit`):
 * - expected revision (or `no_stream`) *earlier* than the stream's: idempotent if the same ids sit
 *   at the following revisions, read from the stream index, so it always holds;
 * - expected revision *equal* to the stream's: a plain append, so a re-send that names the
 *   revision the original append produced would store the events again;
 * - `any` / `stream_exists`: idempotent only while the ids are in an in-memory cache of recent
 *   writes, which a restart or eviction empties.
 * So for an exact revision and for `any` / `stream_exists` the adapter first looks for the ids in
 * the stream itself (one extra read); `no_stream` needs no look-up. Older servers answer an
 * idempotent write without a position; the adapter then reads it.
 */
import {
  BACKWARDS,
  END,
  type RecordedEvent as EsdbRecordedEvent,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  type EventStoreDBClient,
  FORWARDS,
} from '@eventstore/db-client';
import { DuplicateEventIdError, WrongExpectedVersionError } from '../errors.ts';
import type { AppendResult, ExpectedRevision, NewEvent } from '../port.ts';
import { IDEMPOTENCY_WINDOW } from './idempotency-window.ts';
import { mapEsdbError } from './map-error.ts';
import { isKnownPosition, toEsdbExpected, toEventData, toPortPosition } from './mapping.ts';
import { readRawStream } from './reads.ts';

export async function append(
  client: EventStoreDBClient,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  if (events.length === 0) throw new TypeError('append needs at least one event');
  const repeated = events.filter((event, i) => events.findIndex((other) => other.id === event.id) !== i);
  if (repeated.length > 0) throw new DuplicateEventIdError(stream, [...new Set(repeated.map((e) => e.id))]);

  const earlier = await findEarlierAppend(client, stream, events, expected);
  if (earlier) return earlier;

  let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
  try {
    result = await client.appendToStream(stream, events.map(toEventData), {
      expectedRevision: toEsdbExpected(expected),
    });
  } catch (err) {
    if (err instanceof EsdbWrongExpectedVersionError) {
      const actual = err.actualVersion === 'no_stream' ? 'no_stream' : Number(err.actualVersion);
      throw new WrongExpectedVersionError(stream, expected, actual);
    }
    throw mapEsdbError(err, 'append');
  }
  const nextRevision = Number(result.nextExpectedRevision);
  if (isKnownPosition(result.position))
    return { next_revision: nextRevision, position: toPortPosition(result.position) };
  const [last] = await readRawStream(client, stream, {
    fromRevision: result.nextExpectedRevision,
    direction: FORWARDS,
    maxCount: 1,
  });
  if (!last || !isKnownPosition(last.position))
    throw new Error(`EventStoreDB did not report where ${stream} was written`);
  return { next_revision: nextRevision, position: toPortPosition(last.position) };
}

/**
 * The original result when these events are already stored in this order, null when none of
 * them is. Some of them stored, but not as this append, is a DuplicateEventIdError.
 */
async function findEarlierAppend(
  client: EventStoreDBClient,
  stream: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult | null> {
  let candidates: EsdbRecordedEvent[];
  if (expected === 'no_stream') return null;
  if (typeof expected === 'number') {
    // A re-send naming the revision its original produced: the events end at that revision.
    if (expected + 1 < events.length) return null;
    candidates = await readRawStream(client, stream, {
      fromRevision: BigInt(expected),
      direction: BACKWARDS,
      maxCount: events.length,
    });
  } else {
    candidates = await readRawStream(client, stream, {
      fromRevision: END,
      direction: BACKWARDS,
      maxCount: IDEMPOTENCY_WINDOW,
    });
  }
  const ids = new Set(events.map((event) => event.id));
  const stored = candidates.filter((event) => ids.has(event.id));
  if (stored.length === 0) return null;

  const byRevision = new Map(candidates.map((event) => [event.revision, event]));
  const first = candidates.find((event) => event.id === events[0]!.id);
  const inPlace =
    first !== undefined && events.every((event, i) => byRevision.get(first.revision + BigInt(i))?.id === event.id);
  if (!inPlace)
    throw new DuplicateEventIdError(
      stream,
      stored.map((event) => event.id),
    );
  const last = byRevision.get(first.revision + BigInt(events.length - 1))!;
  if (!isKnownPosition(last.position)) throw new Error(`EventStoreDB did not report the position of ${last.id}`);
  return { next_revision: Number(last.revision), position: toPortPosition(last.position) };
}
