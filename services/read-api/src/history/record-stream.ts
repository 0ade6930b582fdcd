import { canRead, type Principal, type Tenant } from '@publisher/platform';
import { recordNotFound } from '../errors.ts';
import type { HistoryAggregate } from './aggregates.ts';
import type { StreamRead, StreamReader } from './stream-cache.ts';

/** The start of a record's stream, read by a caller allowed to see it. */
export interface RecordStream extends StreamRead {
  /** The record's tenant, from its create event. */
  tenant: Tenant;
}

/**
 * Reads a record's stream from the event store (the record of truth; deleted records included)
 * and checks that the caller may read the record: its tenant is the one its create event gave it,
 * whoever wrote later. An unknown record, a stream that does not start with its create event, and
 * another tenant's record all answer 404 RECORD_NOT_FOUND alike.
 * @example
 * const { events, length, tenant } = await readRecordStream(deps.streams, publishingRecordHistory, id, request.principal, 21);
 */
export async function readRecordStream<State extends { status: string }>(
  streams: StreamReader,
  aggregate: HistoryAggregate<State, { revision: number }>,
  id: string,
  principal: Principal,
  limit?: number,
): Promise<RecordStream> {
  const read = await streams.read(aggregate.stream(id), limit);
  const first = read.events[0];
  const tenant = first === undefined ? null : aggregate.tenantOf(aggregate.evolve(aggregate.initial, first));
  if (tenant === null || !canRead(principal, tenant)) throw recordNotFound(aggregate.label, id);
  return { ...read, tenant };
}
