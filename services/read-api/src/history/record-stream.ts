import type { EventStore, ReadStreamOptions, RecordedEvent } from '@publisher/event-store';
import { canRead, type Principal, type Tenant } from '@publisher/platform';
import { recordNotFound } from '../errors.ts';
import type { HistoryAggregate } from './aggregates.ts';

/** The start of a record's stream, read by a caller allowed to see it. */
export interface RecordStream {
  /** Oldest first, from revision 0. */
  events: RecordedEvent[];
  /** The record's tenant, from its create event. */
  tenant: Tenant;
}

/**
 * Reads a record's stream from the event store (the record of truth; deleted records included)
 * and checks that the caller may read the record: its tenant is the one its create event gave it,
 * whoever wrote later. An unknown record, a stream that does not start with its create event, and
 * another tenant's record all answer 404 RECORD_NOT_FOUND alike.
 * @example
 * const { events, tenant } = await readRecordStream(store, publishingRecordHistory, id, request.principal, { limit: 21 });
 */
export async function readRecordStream<State extends { status: string }>(
  store: EventStore,
  aggregate: HistoryAggregate<State, { revision: number }>,
  id: string,
  principal: Principal,
  options: Pick<ReadStreamOptions, 'limit'> = {},
): Promise<RecordStream> {
  const events = await store.readStream(aggregate.stream(id), { from: 'start', direction: 'forwards', ...options });
  const first = events[0];
  const tenant = first === undefined ? null : aggregate.tenantOf(aggregate.evolve(aggregate.initial, first));
  if (tenant === null || !canRead(principal, tenant)) throw recordNotFound(aggregate.label, id);
  return { events, tenant };
}

/**
 * The number of events in a stream whose first `read` events are known: no second read when those
 * are all of them.
 */
export async function streamLength(
  store: EventStore,
  stream: string,
  read: readonly RecordedEvent[],
  asked: number,
): Promise<number> {
  if (read.length < asked) return read.length;
  const [last] = await store.readStream(stream, { from: 'end', direction: 'backwards', limit: 1 });
  return last === undefined ? read.length : last.revision + 1;
}
