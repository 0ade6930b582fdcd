import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DeploymentRepresentation, ListEnvelope, SuccessEnvelope } from '@publisher/contracts';
import { type DeploymentOrdering, listDeploymentDocuments } from '@publisher/read-model';
import { sendRead } from '../cached-response.ts';
import type { ReadApiDeps } from '../deps.ts';
import { recordNotFound } from '../errors.ts';
import { deploymentHistory } from '../history/aggregates.ts';
import { awaitMinPosition, pageLinks, scopeFor, splitCommaLists } from '../read-helpers.ts';
import { DeploymentListQuery, IdParams, ReadHeaders } from '../schemas.ts';
import { sendDocument } from '../send-document.ts';
import { asksAsOf, RecordReadQuery, sendAsOf } from './as-of.ts';
import { errorResponses } from './responses.ts';

const tags = ['deployments'];

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
        response: { 200: ListEnvelope(DeploymentRepresentation), ...errorResponses() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = scopeFor(request.principal, q.account_id);
      const waited = await awaitMinPosition(request, deps.watcher, deps.minPositionTimeoutMs, q.min_position);
      const page = q.page ?? 1;
      const pageSize = q.page_size ?? 20;
      return sendRead(request, reply, deps, scope, !waited, async () => {
        const { count, rows } = await listDeploymentDocuments(deps.db, scope, {
          page,
          page_size: pageSize,
          ordering: q.ordering as DeploymentOrdering | undefined,
          filters: {
            site_id: q.site_id,
            sector_id: q.sector_id,
            version: q.version,
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
        summary: 'One deployment (ETag = revision; If-None-Match → 304)',
        params: IdParams,
        description:
          'The current state from the read model; with `as_of` or `as_of_revision`, the state as it was then, folded from the event store (ETag = that revision; 404 if it did not exist yet; reads of another account by support or privileged roles are recorded in its access log).',
        querystring: RecordReadQuery,
        headers: ReadHeaders,
        response: {
          200: SuccessEnvelope(DeploymentRepresentation),
          304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' },
          ...errorResponses(404),
        },
      },
    },
    (request, reply) =>
      asksAsOf(request.query)
        ? sendAsOf(request, reply, deps, deploymentHistory, request.params.id, request.query)
        : sendDocument(request, reply, deps, {
            scope: scopeFor(request.principal, request.query.account_id),
            minPosition: request.query.min_position,
            find: () => deps.deployments.get(request.params.id.toLowerCase()),
            notFound: () => recordNotFound('deployment', request.params.id),
          }),
  );
};

export default deploymentRoutes;
