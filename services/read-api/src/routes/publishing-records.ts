import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListEnvelope, PublishingRecordRepresentation, SuccessEnvelope } from '@publisher/contracts';
import { listPublishingRecordDocuments, type PublishingRecordOrdering } from '@publisher/read-model';
import { sendRead } from '../cached-response.ts';
import type { ReadApiDeps } from '../deps.ts';
import { recordNotFound } from '../errors.ts';
import { publishingRecordHistory } from '../history/aggregates.ts';
import { awaitMinPosition, pageLinks, scopeFor, splitCommaLists } from '../read-helpers.ts';
import { IdParams, PublishingRecordListQuery, ReadHeaders } from '../schemas.ts';
import { sendDocument } from '../send-document.ts';
import { asksAsOf, RecordReadQuery, sendAsOf } from './as-of.ts';
import { errorResponses } from './responses.ts';

const tags = ['publishing-records'];

/** `GET publishing-records/` and `GET publishing-records/{id}`. */
const publishingRecordRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get(
    '/',
    {
      preValidation: splitCommaLists,
      schema: {
        tags,
        summary: 'List publishing records the caller may read, filtered, ordered and paginated',
        querystring: PublishingRecordListQuery,
        headers: ReadHeaders,
        response: { 200: ListEnvelope(PublishingRecordRepresentation), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = scopeFor(request.principal, q.account_id);
      const waited = await awaitMinPosition(request, deps.watcher, deps.minPositionTimeoutMs, q.min_position);
      const page = q.page ?? 1;
      const pageSize = q.page_size ?? 20;
      return sendRead(request, reply, deps, scope, !waited, async () => {
        const { count, rows } = await listPublishingRecordDocuments(deps.db, scope, {
          page,
          page_size: pageSize,
          ordering: q.ordering as PublishingRecordOrdering | undefined,
          filters: {
            site_id: q.site_id,
            sector_id: q.sector_id,
            content_id: q.content_id,
            destination: q.destination,
            status: q.status,
            created_after: q.created_after,
            created_before: q.created_before,
            updated_after: q.updated_after,
            updated_before: q.updated_before,
          },
        });
        return { list: { count, documents: rows, ...pageLinks(request, page, pageSize, count) } };
      });
    },
  );

  fastify.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One publishing record (ETag = revision; If-None-Match → 304)',
        params: IdParams,
        description:
          'The current state from the read model; with `as_of` or `as_of_revision`, the state as it was then, folded from the event store (ETag = that revision; 404 if it did not exist yet; reads of another account by support or privileged roles are recorded in its access log).',
        querystring: RecordReadQuery,
        headers: ReadHeaders,
        response: {
          200: SuccessEnvelope(PublishingRecordRepresentation),
          304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' },
          ...errorResponses(404),
        },
      },
    },
    (request, reply) =>
      asksAsOf(request.query)
        ? sendAsOf(request, reply, deps, publishingRecordHistory, request.params.id, request.query)
        : sendDocument(request, reply, deps, {
            scope: scopeFor(request.principal, request.query.account_id),
            minPosition: request.query.min_position,
            find: () => deps.records.get(request.params.id.toLowerCase()),
            notFound: () => recordNotFound('publishing record', request.params.id),
          }),
  );
};

export default publishingRecordRoutes;
