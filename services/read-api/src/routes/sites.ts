import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SuccessEnvelope } from '@publisher/contracts';
import { success } from '@publisher/platform';
import { getSiteDeploymentStatus } from '@publisher/read-model';
import { sendRead } from '../cached-response.ts';
import type { ReadApiDeps } from '../deps.ts';
import { siteNotFound } from '../errors.ts';
import { awaitMinPosition, scopeFor } from '../read-helpers.ts';
import { ReadHeaders, ReadQuery, SiteDeploymentStatusRepresentation, SiteParams } from '../schemas.ts';
import { errorResponses } from './responses.ts';

/** `GET sites/{site_id}/deployment-status`: the per-site view. */
const siteRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get(
    '/:site_id/deployment-status',
    {
      schema: {
        tags: ['sites'],
        summary: 'What is live on a site (highest deployed version not rolled back) and how its latest deployment went',
        params: SiteParams,
        querystring: ReadQuery,
        headers: ReadHeaders,
        response: { 200: SuccessEnvelope(SiteDeploymentStatusRepresentation), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const scope = scopeFor(request.principal, request.query.account_id);
      const { min_position } = request.query;
      const waited = await awaitMinPosition(request, deps.watcher, deps.minPositionTimeoutMs, min_position);
      return sendRead(request, reply, deps, scope, !waited, async () => {
        const status = await getSiteDeploymentStatus(deps.db, scope, request.params.site_id);
        if (status === undefined) throw siteNotFound(request.params.site_id);
        return { payload: success(request, status) };
      });
    },
  );
};

export default siteRoutes;
