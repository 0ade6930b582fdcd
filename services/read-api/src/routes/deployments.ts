import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DeploymentRepresentation, SuccessEnvelope } from '@publisher/contracts';
import { Document, errorResponses } from '@publisher/platform';
import { findDeploymentDocument, listDeploymentDocuments } from '@publisher/read-model';
import type { ReadApiDeps } from '../deps.ts';
import { recordNotFound } from '../errors.ts';
import { deploymentHistory } from '../history/aggregates.ts';
import { scopeFor, splitCommaLists } from '../read-helpers.ts';
import { listAnswer, recordAnswer } from '../record-reads.ts';
import { DeploymentListQuery, DocumentListEnvelope, IdParams, READ_ERRORS, ReadHeaders } from '../schemas.ts';
import { answerAsOf, asksAsOf, RecordReadQuery } from './as-of.ts';

const tags = ['deployments'];
const Deployment = Document(DeploymentRepresentation);

/** `GET deployments/` and `GET deployments/{id}`. */
const deploymentRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get(
    '/',
    {
      preValidation: splitCommaLists,
      schema: {
        tags,
        summary: 'List deployments the caller may read, filtered, ordered and paginated',
        querystring: DeploymentListQuery,
        headers: ReadHeaders,
        response: { 200: DocumentListEnvelope(DeploymentRepresentation), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request, reply) => {
      const { min_position, account_id, page, page_size, cursor, ordering, ...filters } = request.query;
      const scope = scopeFor(request.principal, account_id);
      return listAnswer<DeploymentRepresentation>(request, reply, deps, scope, min_position, () =>
        listDeploymentDocuments(deps.reader, scope, filters, { page, page_size: page_size ?? 20, cursor, ordering }),
      );
    },
  );

  fastify.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One deployment (ETag = revision; If-None-Match → 304)',
        params: IdParams,
        description:
          'The current state from the read model; with `as_of` or `as_of_revision`, the state as it was then, folded from the event store (ETag = that revision; 404 if it did not exist yet; reads of another account by support or privileged roles are recorded in its access log).',
        querystring: RecordReadQuery,
        headers: ReadHeaders,
        response: {
          200: SuccessEnvelope(Deployment),
          304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' },
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    async (request, reply) => {
      if (asksAsOf(request.query)) {
        return answerAsOf(request, reply, deps, deploymentHistory, request.params.id, request.query);
      }
      const { id } = request.params;
      const scope = scopeFor(request.principal, request.query.account_id);
      return recordAnswer<DeploymentRepresentation>(
        request,
        reply,
        deps,
        request.query.min_position,
        () => findDeploymentDocument(deps.reader, scope, id),
        () => recordNotFound('deployment', id),
      );
    },
  );
};

export default deploymentRoutes;
