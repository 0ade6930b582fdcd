import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PublishingRecordRepresentation, SuccessEnvelope } from '@publisher/contracts';
import { Document, errorResponses } from '@publisher/platform';
import { findPublishingRecordDocument, listPublishingRecordDocuments } from '@publisher/read-model';
import type { ReadApiDeps } from '../deps.ts';
import { recordNotFound } from '../errors.ts';
import { publishingRecordHistory } from '../history/aggregates.ts';
import { scopeFor, splitCommaLists } from '../read-helpers.ts';
import { listAnswer, recordAnswer } from '../record-reads.ts';
import { DocumentListEnvelope, IdParams, PublishingRecordListQuery, READ_ERRORS, ReadHeaders } from '../schemas.ts';
import { answerAsOf, asksAsOf, RecordReadQuery } from './as-of.ts';

const tags = ['publishing-records'];
const Record = Document(PublishingRecordRepresentation);

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
        response: {
          200: DocumentListEnvelope(PublishingRecordRepresentation),
          ...errorResponses(READ_ERRORS),
        },
      },
    },
    async (request, reply) => {
      const { min_position, account_id, page, page_size, cursor, ordering, ...filters } = request.query;
      const scope = scopeFor(request.principal, account_id);
      return listAnswer<PublishingRecordRepresentation>(request, reply, deps, scope, min_position, () =>
        listPublishingRecordDocuments(deps.reader, scope, filters, {
          page,
          page_size: page_size ?? 20,
          cursor,
          ordering,
        }),
      );
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
          200: SuccessEnvelope(Record),
          304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' },
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    async (request, reply) => {
      if (asksAsOf(request.query)) {
        return answerAsOf(request, reply, deps, publishingRecordHistory, request.params.id, request.query);
      }
      const { id } = request.params;
      const scope = scopeFor(request.principal, request.query.account_id);
      return recordAnswer<PublishingRecordRepresentation>(
        request,
        reply,
        deps,
        request.query.min_position,
        () => findPublishingRecordDocument(deps.reader, scope, id),
        () => recordNotFound('publishing record', id),
      );
    },
  );
};

export default publishingRecordRoutes;
