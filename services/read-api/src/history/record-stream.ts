import type { RecordedEvent } from '@publisher/event-store';
import type { Tenant } from '@publisher/platform';
import { inScope, type TenantScope } from '@publisher/platform';
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
 * and checks that the caller's scope sees the record: its tenant is the one its create event gave
 * it, whoever wrote later. An unknown record, a stream that does not start with its create event,
 * and a record outside the scope all answer 404 RECORD_NOT_FOUND alike.
 * @example
 * const scope = scopeFor(request.principal, request.query.account_id);
 * const { events, length, tenant } = await readRecordStream(deps.streams, publishingRecordHistory, id, scope, 21);
 */
export async function readRecordStream<State extends { status: string }>(
  streams: StreamReader,
  aggregate: HistoryAggregate<State, { revision: number }>,
  id: string,
  scope: TenantScope,
  limit?: number,
): Promise<RecordStream> {
  const read = await streams.read(aggregate.stream(id), limit);
  const tenant = tenantSeenBy(scope, aggregate, read.events);
  if (tenant === null) throw recordNotFound(aggregate.label, id);
  return { ...read, tenant };
}

/**
 * The tenant of the record whose stream starts with `events` when `scope` sees it, else null: the
 * one check of tenancy on reads of the event store, which has no tenant columns to put it in SQL.
 * The tenant is the one the create event gave the record, whoever wrote later.
 * @example
 * if (tenantSeenBy(scope, publishingRecordHistory, read.events) === null) return null;
 */
export function tenantSeenBy<State extends { status: string }>(
  scope: TenantScope,
  aggregate: HistoryAggregate<State, { revision: number }>,
  events: readonly RecordedEvent[],
): Tenant | null {
  const first = events[0];
  const tenant = first === undefined ? null : aggregate.tenantOf(aggregate.evolve(aggregate.initial, first));
  return tenant !== null && inScope(scope, tenant) ? tenant : null;
}
