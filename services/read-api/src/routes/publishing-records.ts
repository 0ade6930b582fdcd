import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PublishingRecordRepresentation } from '@publisher/contracts';
import { findPublishingRecordDocument, listPublishingRecordDocuments } from '@publisher/read-model';
import type { ReadApiDeps } from '../deps.ts';
import { publishingRecordHistory } from '../history/aggregates.ts';
import { listAnswer, recordAnswer } from '../record-reads.ts';
import { PublishingRecordListQuery } from '../schemas.ts';
import { listRoute, recordRoute } from './record-routes.ts';

const publishingRecords = {
  tag: 'publishing-records',
  plural: 'publishing records',
  representation: PublishingRecordRepresentation,
  find: findPublishingRecordDocument,
  history: publishingRecordHistory,
};

/** `GET publishing-records/` and `GET publishing-records/{id}`. */
const publishingRecordRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get('/', listRoute(publishingRecords, PublishingRecordListQuery), (request, reply) =>
    listAnswer(request, reply, deps, request.query, listPublishingRecordDocuments),
  );
  fastify.get('/:id', recordRoute(publishingRecords), (request, reply) =>
    recordAnswer(request, reply, deps, publishingRecords, request.params.id, request.query),
  );
};

export default publishingRecordRoutes;
