import type { SuccessEnvelopeOf } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import { httpError, JsonDocument, listPage, notModified, success } from '@publisher/platform';
import { type BatchedReader, type DocumentPage, InvalidCursorError, type RevisedDocument } from '@publisher/read-model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { answerAsOf, asksAsOf, type RecordReadQuery } from './as-of.ts';
import { cachedRead } from './cached-read.ts';
import type { ReadApiDeps } from './deps.ts';
import { invalidCursor, recordNotFound } from './errors.ts';
import type { HistoryAggregate } from './history/aggregates.ts';
import { pageUrl } from './links.ts';
import { READ_POSITION_HEADER, rejectInvertedRange, scopeFor, type TakesEveryFilter } from './read-helpers.ts';
import { positionBeforeRead } from './read-your-writes.ts';
import type { ListPaging } from './schemas.ts';

/*
 * What the list and single-record routes of both record kinds answer: data in the envelope, which
 * the route's response schema serializes (the documents as they are, see `JsonDocument`). The
 * documents' type comes from the read model's query (`DocumentPage<R>`, `RevisedDocument<R>`), so
 * a route's response schema checks that it answers its own kind.
 */

/** The query parameters every record list takes besides its filters. */
type ListParams = ListPaging & { ordering?: string };

/** A list query's filters: what is left of it without the list parameters. */
type FiltersOf<Query> = Omit<Query, keyof ListParams>;

/** Which page a list query asks for. */
interface PageOf<Query extends ListParams> {
  page_size: number;
  page?: number;
  cursor?: string;
  ordering?: Query['ordering'];
}

/** A read model's list query of one record kind (`listDeploymentDocuments`, …). */
type ListDocuments<Query extends ListParams, R> = (
  reader: BatchedReader,
  scope: TenantScope,
  filters: FiltersOf<Query>,
  page: PageOf<Query>,
) => Promise<DocumentPage<R>>;

/**
 * A list page in the list envelope, through the response cache: `count`, links to the neighbouring
 * pages (cursors), and the page's documents as one JSON array (joined by the read model's query).
 * @example
 * fastify.get('/', listRoute(resource, DeploymentListQuery), (request, reply) =>
 *   listAnswer(request, reply, deps, request.query, listDeploymentDocuments));
 */
export async function listAnswer<Query extends ListParams, R, List extends ListDocuments<Query, R>>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  query: Query,
  list: List & TakesEveryFilter<FiltersOf<Query>, Parameters<List>[2]>,
) {
  const { min_position, account_id, page, page_size, cursor, ordering, ...filters } = query;
  // A cursor names the page by itself; a page number beside it would be silently ignored.
  if (cursor !== undefined && page !== undefined) {
    throw httpError('VALIDATION', 'page and cursor are exclusive', {
      errors: { 'querystring.page': ['must not be given with cursor'] },
    });
  }
  rejectInvertedRange(query, 'created_after', 'created_before');
  rejectInvertedRange(query, 'updated_after', 'updated_before');
  const scope = scopeFor(request.principal, account_id);
  const answer = await cachedRead(request, reply, deps, scope, min_position, async () => {
    const found = await list(deps.reader, scope, filters, { page, page_size: page_size ?? 20, cursor, ordering }).catch(
      (err: unknown) => {
        throw err instanceof InvalidCursorError ? invalidCursor() : err;
      },
    );
    const next = pageUrl(request, found.next);
    const previous = pageUrl(request, found.previous);
    const results = new JsonDocument<R[]>(found.documents);
    const bytes = 256 + results.json.length + (next?.length ?? 0) + (previous?.length ?? 0);
    return { value: { count: found.count, next, previous, results }, bytes };
  });
  return listPage(request, answer);
}

/** What a record kind's single-record read needs: its current-state lookup and its history. */
export interface RecordLookup<State extends { status: string }, R extends { revision: number }> {
  /** The read model's lookup by id (`findDeploymentDocument`, …). */
  find: (reader: BatchedReader, scope: TenantScope, id: string) => Promise<RevisedDocument<R> | undefined>;
  /** For as-of reads, folded from the event store. */
  history: HistoryAggregate<State, R>;
}

/**
 * One record in the success envelope, with `ETag` (its revision), `Cache-Control` and
 * `X-Read-Position` (the checkpoint known before the lookup: its snapshot is at least that new);
 * nothing when `If-None-Match` matches (the 304 is sent); 404 when the scope does not see it. With `as_of` or
 * `as_of_revision`, the record as it was then (see `answerAsOf`).
 * @example
 * fastify.get('/:id', recordRoute(resource), (request, reply) =>
 *   recordAnswer(request, reply, deps, resource, request.params.id, request.query));
 */
export async function recordAnswer<State extends { status: string }, R extends { revision: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  lookup: RecordLookup<State, R>,
  id: string,
  query: RecordReadQuery,
): Promise<SuccessEnvelopeOf<R | JsonDocument<R>> | undefined> {
  if (asksAsOf(query)) return answerAsOf(request, reply, deps, lookup.history, id, query);
  const scope = scopeFor(request.principal, query.account_id);
  const position = await positionBeforeRead(request, deps, query.min_position);
  const found = await lookup.find(deps.reader, scope, id);
  if (found === undefined) throw recordNotFound(lookup.history.label, id);
  reply.header(READ_POSITION_HEADER, position ?? '');
  if (await notModified(request, reply, found.revision)) return undefined;
  return success(request, new JsonDocument<R>(found.document));
}
