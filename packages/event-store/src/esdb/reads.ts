/**
 * Stream reads and reads of the global log ($all) for the EventStoreDB adapter.
 */
import {
  BACKWARDS,
  END,
  ErrorType,
  type Position as EsdbPosition,
  type RecordedEvent as EsdbRecordedEvent,
  type EventStoreDBClient,
  FORWARDS,
  isCommandError,
  type ReadRevision,
  START,
} from '@eventstore/db-client';
import {
  comparePositions,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../port.ts';
import { mapEsdbError } from './map-error.ts';
import { isSystemEvent, toEsdbPosition, toPortPosition, toRecordedEvent } from './mapping.ts';

/** Events per $all request when the caller asked for more (or for everything). */
const PAGE_SIZE = 1000;

/** Raw EventStoreDB events of a stream; an unknown stream gives []. */
export async function readRawStream(
  client: EventStoreDBClient,
  stream: string,
  options: { fromRevision: ReadRevision; direction: typeof FORWARDS | typeof BACKWARDS; maxCount: number },
): Promise<EsdbRecordedEvent[]> {
  const events: EsdbRecordedEvent[] = [];
  try {
    for await (const resolved of client.readStream(stream, options)) {
      if (resolved.event) events.push(resolved.event);
    }
  } catch (err) {
    if (err instanceof Error && isCommandError(err) && err.type === ErrorType.STREAM_NOT_FOUND) return [];
    throw mapEsdbError(err, 'readStream');
  }
  return events;
}

export async function readStream(
  client: EventStoreDBClient,
  stream: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
  const from = options.from ?? (direction === BACKWARDS ? 'end' : 'start');
  const fromRevision: ReadRevision = from === 'start' ? START : from === 'end' ? END : BigInt(from);
  const maxCount = options.limit ?? Number.MAX_SAFE_INTEGER;
  if (maxCount <= 0) return [];
  const events = await readRawStream(client, stream, { fromRevision, direction, maxCount });
  return events.map(toRecordedEvent);
}

/**
 * Application events of $all strictly after `after`, in $all order. EventStoreDB's forward read
 * includes the event at its start position and has no filter in this client, so the start event
 * and system events are dropped here, and the read goes on page by page until `limit` is met.
 */
export async function readAll(client: EventStoreDBClient, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const result: EsdbRecordedEvent[] = [];
  let after: Position | null = options.after ?? null;
  while (result.length < limit) {
    const maxCount = Math.min(PAGE_SIZE, limit - result.length + 1);
    const fromPosition = after === null ? START : toEsdbPosition(after);
    let seen = 0;
    let last: Position | null = null;
    try {
      // Always read a page to its end: a read left half-consumed never completes, and the
      // client's dispose() then waits for it forever.
      for await (const resolved of client.readAll({ fromPosition, maxCount, direction: FORWARDS })) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        const position = toPortPosition(event.position);
        last = position;
        if (after !== null && comparePositions(position, after) <= 0) continue;
        if (isSystemEvent(event) || result.length >= limit) continue;
        result.push(event);
      }
    } catch (err) {
      throw mapEsdbError(err, 'readAll');
    }
    if (seen < maxCount || last === null || last === after) break;
    after = last;
  }
  return result.map(toRecordedEvent);
}

/** Position of the newest application event in $all, or null when there is none. */
export async function headPosition(client: EventStoreDBClient): Promise<Position | null> {
  let from: typeof END | EsdbPosition = END;
  for (;;) {
    let seen = 0;
    let newest: EsdbPosition | undefined;
    let oldest: EsdbPosition | undefined;
    try {
      for await (const resolved of client.readAll({ fromPosition: from, maxCount: 100, direction: BACKWARDS })) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        if (!newest && !isSystemEvent(event)) newest = event.position;
        oldest = event.position;
      }
    } catch (err) {
      throw mapEsdbError(err, 'readAll');
    }
    // Paging on from the oldest event seen: whether or not the server repeats it, it is a system
    // event and the page still moves back by at least 99 events.
    if (newest) return toPortPosition(newest);
    if (seen < 100 || !oldest) return null;
    from = oldest;
  }
}
