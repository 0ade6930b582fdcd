import { deploymentAggregate, publishingRecordAggregate, type RecordAggregate } from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import { success } from '@publisher/platform';
import { loadAggregate } from '../handlers/command-handler.ts';

/** A record a create response shows: which, and at which revision. */
export interface RecordRef {
  aggregate: 'publishing_record' | 'deployment';
  id: string;
  revision: number;
}

/**
 * What a create response holds, by reference: its records (one, as `data`, or several, as
 * `data.records`), and the envelope's message and request id. A few hundred bytes, whatever the
 * records' metadata weigh.
 */
export interface ResponseRef {
  shape: 'record' | 'records';
  records: RecordRef[];
  request_id: string;
  message?: string;
}

/**
 * The references of what a create returns, for `StoredResponse.records`.
 * @example
 * return { ...commandResponse(request, 201, data, created), records: createdRecords('record', 'deployment', [created]) };
 */
export function createdRecords(
  shape: ResponseRef['shape'],
  aggregate: RecordRef['aggregate'],
  created: Array<{ record: { id: string }; revision: number }>,
): { shape: ResponseRef['shape']; refs: RecordRef[] } {
  return { shape, refs: created.map((c) => ({ aggregate, id: c.record.id, revision: c.revision })) };
}

/**
 * Rebuilds the body of a response stored by reference: each record folded from its stream up to
 * the stored revision, represented as the create represented it, in the same envelope. The result
 * equals the original body because a representation depends only on the state at that revision.
 * @example
 * const body = await restoreResponseBody(store, { shape: 'record', records: [{ aggregate: 'deployment', id, revision: 0 }], request_id });
 */
export async function restoreResponseBody(store: EventStore, ref: ResponseRef): Promise<unknown> {
  const represented = await Promise.all(ref.records.map((record) => representAt(store, record)));
  const data = ref.shape === 'record' ? represented[0] : { records: represented };
  return success({ id: ref.request_id }, data, ref.message);
}

function representAt(store: EventStore, ref: RecordRef): Promise<unknown> {
  return ref.aggregate === 'deployment'
    ? representFolded(store, deploymentAggregate, ref)
    : representFolded(store, publishingRecordAggregate, ref);
}

async function representFolded<State extends { status: string }, Existing extends State, Representation>(
  store: EventStore,
  // biome-ignore lint/suspicious/noExplicitAny: a restore folds and represents; it never decides.
  aggregate: RecordAggregate<State, Existing, any, any, Representation>,
  ref: RecordRef,
): Promise<Representation> {
  const { state, revision } = await loadAggregate(store, aggregate, ref.id, { toRevision: ref.revision });
  if (revision !== ref.revision || !aggregate.exists(state)) {
    throw new Error(`${ref.aggregate} ${ref.id} has no revision ${ref.revision} to restore a response from`);
  }
  return aggregate.represent(state, ref.revision);
}
