import type { SuccessEnvelopeOf } from '@publisher/contracts';
import { canonicalId } from '@publisher/domain';
import { httpError, notModified, success } from '@publisher/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { recordCrossAccountReads } from './access-log.ts';
import { AsOfQueryFields } from './audit-schemas.ts';
import type { ReadApiDeps } from './deps.ts';
import { recordNotFound } from './errors.ts';
import type { HistoryAggregate } from './history/aggregates.ts';
import { readRecordStream } from './history/record-stream.ts';
import { foldUntil } from './history/replay.ts';
import { scopeFor } from './read-helpers.ts';
import { ReadQuery } from './schemas.ts';

/** The query of `GET publishing-records/{id}` and `GET deployments/{id}`: the read's own, plus as-of. */
export const RecordReadQuery = Type.Object(
  { ...ReadQuery.properties, ...AsOfQueryFields },
  { additionalProperties: false },
);
export type RecordReadQuery = Static<typeof RecordReadQuery>;

/** Whether a single-record read asks for a past state (answered from the event store, not the read model). */
export const asksAsOf = (query: RecordReadQuery): boolean =>
  query.as_of !== undefined || query.as_of_revision !== undefined;

/**
 * The record as it was at `as_of` (its events that occurred at or before that time) or at
 * `as_of_revision`, folded from its stream by the domain's evolve and representation. 404 when it
 * did not exist yet (or has no such revision), RECORD_DELETED when it was deleted by then.
 */
async function stateAsOf<State extends { status: string }, Representation extends { revision: number }>(
  deps: ReadApiDeps,
  request: FastifyRequest,
  aggregate: HistoryAggregate<State, Representation>,
  rawId: string,
  query: RecordReadQuery,
): Promise<{ revision: number; data: Representation }> {
  const id = canonicalId(rawId);
  const { as_of: asOf, as_of_revision: revision } = query;
  if (asOf !== undefined && revision !== undefined) {
    throw httpError('VALIDATION', 'as_of and as_of_revision exclude each other', {
      errors: { 'querystring.as_of_revision': ['may not be combined with as_of'] },
    });
  }
  const limit = revision === undefined ? undefined : revision + 1;
  // An `account_id` a tenant may not name is a 403, as on the current-state read; one it may name
  // (privileged roles: any) narrows the scope to it.
  const scope = scopeFor(request.principal, query.account_id);
  const read = await readRecordStream(deps.streams, aggregate, id, scope, limit);
  const { tenant } = read;
  await recordCrossAccountReads(deps.accessLog, request, {
    action: 'as_of',
    tenants: [tenant],
    record_kind: aggregate.kind,
    record_id: id,
    query: revision === undefined ? { as_of: asOf } : { as_of_revision: revision },
  });
  const until = asOf === undefined ? null : new Date(asOf).toISOString();
  const found = foldUntil(aggregate, { events: read.events, shared: read.cached }, until);
  if (revision !== undefined && found?.event.revision !== revision) {
    throw httpError('RECORD_NOT_FOUND', `${aggregate.label} ${id} has no revision ${revision} (yet)`);
  }
  if (found?.state == null) {
    throw asOf === undefined
      ? recordNotFound(aggregate.label, id)
      : httpError('RECORD_NOT_FOUND', `${aggregate.label} ${id} did not exist yet at ${asOf}`);
  }
  if (found.deleted) {
    throw httpError(
      'RECORD_DELETED',
      `${aggregate.label} ${id} was deleted by then (revision ${found.event.revision}); its history shows it`,
    );
  }
  return { revision: found.event.revision, data: found.state };
}

/**
 * Answers an as-of read of `GET …/{id}`: the success envelope (serialized by the route's response
 * schema) with `ETag` = the revision answered, or nothing when `If-None-Match` matches it (the 304
 * is sent).
 * @example
 * if (asksAsOf(request.query)) return answerAsOf(request, reply, deps, publishingRecordHistory, request.params.id, request.query);
 */
export async function answerAsOf<State extends { status: string }, Representation extends { revision: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  aggregate: HistoryAggregate<State, Representation>,
  id: string,
  query: RecordReadQuery,
): Promise<SuccessEnvelopeOf<Representation> | undefined> {
  const { revision, data } = await stateAsOf(deps, request, aggregate, id, query);
  if (await notModified(request, reply, revision)) return undefined;
  return success(request, data);
}
