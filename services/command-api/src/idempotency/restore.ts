import type { EventStore } from '@publisher/event-store';
import { success } from '@publisher/platform';
import { deployments, publishingRecords } from '../handlers/aggregates.ts';

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

async function representAt(store: EventStore, ref: RecordRef): Promise<unknown> {
  const spec = ref.aggregate === 'deployment' ? deployments : publishingRecords;
  const events = await store.readStream(spec.stream(ref.id), { from: 'start', limit: ref.revision + 1 });
  // One fold loop for both aggregate types: `spec` is one of the two, each with its own event union.
  const fold = spec as unknown as {
    initial: unknown;
    evolve: (state: unknown, event: unknown) => unknown;
    exists: (state: unknown) => boolean;
    represent: (state: unknown, revision: number) => unknown;
  };
  let state = fold.initial;
  for (const e of events) state = fold.evolve(state, { type: e.type, data: e.data });
  if (events.length !== ref.revision + 1 || !fold.exists(state)) {
    throw new Error(`${ref.aggregate} ${ref.id} has no revision ${ref.revision} to restore a response from`);
  }
  return fold.represent(state, ref.revision);
}
